import { Vector, axpyInPlace, copy, dot, norm, scale } from "./vectors";
import { symmetricEigen } from "./symmetric-eigen";

/**
 * The largest (algebraic) eigenvalue of a symmetric linear map by the Lanczos method with full
 * reorthogonalisation. Power iteration finds the eigenvalue of largest magnitude, which for a Hessian
 * away from a minimum can be a large negative one; Lanczos' extreme Ritz values converge to both ends
 * of the spectrum, so the top one is read off directly.
 *
 * Convergence: the top Ritz pair (theta, y) has residual |A y - theta y| = beta_j |s_j| (beta_j the
 * last off-diagonal, s_j the last component of the tridiagonal's eigenvector), and some eigenvalue of A
 * lies within that residual of theta; converged when the residual is at most tol |theta|.
 */
export interface LanczosResult {
  /** Top Ritz value: the estimate of the largest eigenvalue. */
  lambda: number;
  /** Its residual norm |A y - lambda y|. */
  residual: number;
  /** Smallest Ritz value (the other end of the spectrum) and its residual. */
  lambdaMin: number;
  residualMin: number;
  iterations: number;
  converged: boolean;
  /** The top Ritz value after each iteration. */
  history: number[];
}

/** Eigen-decomposition of the j x j tridiagonal matrix with diagonal a and off-diagonal b. */
function ritz(a: number[], b: number[]) {
  const n = a.length;
  const t = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? a[i] : Math.abs(i - j) === 1 ? b[Math.min(i, j)] : 0)));
  return symmetricEigen(t);
}

export async function lanczosTop(apply: (v: Vector) => Promise<Vector>, start: Vector, maxIterations = 50, tol = 1e-2): Promise<LanczosResult> {
  const basis: Vector[] = [scale(start, 1 / norm(start))];
  const alpha: number[] = [];
  const beta: number[] = [];
  const history: number[] = [];
  let result: LanczosResult | null = null;
  for (let j = 0; j < maxIterations; j++) {
    const q = basis[j];
    const w = copy(await apply(q));
    alpha.push(dot(q, w));
    // Full reorthogonalisation against every earlier vector, twice ("twice is enough"): the products
    // are finite differences, so the three-term recurrence alone would lose orthogonality quickly.
    for (let pass = 0; pass < 2; pass++) for (const u of basis) axpyInPlace(w, u, -dot(u, w));
    const b = norm(w);
    const eig = ritz(alpha, beta);
    const last = eig.values.length - 1;
    const lambda = eig.values[last];
    const residual = b * Math.abs(eig.vectors[last][last]);
    const residualMin = b * Math.abs(eig.vectors[0][last]);
    history.push(lambda);
    // An invariant subspace (b ~ 0) makes every Ritz value exact.
    const exhausted = b <= 1e-10 * Math.max(1, Math.abs(lambda));
    const converged = exhausted || (j > 0 && residual <= tol * Math.abs(lambda));
    result = { lambda, residual, lambdaMin: eig.values[0], residualMin, iterations: j + 1, converged, history };
    if (converged) return result;
    beta.push(b);
    basis.push(scale(w, 1 / b));
  }
  return result!;
}
