import * as tf from "@tensorflow/tfjs";
import { KernelFunc } from "./wasm-ops";
import { BATCH_NORM_RELU_TRAINING, BATCH_NORM_RELU_TRAINING_GRAD, BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, RELU_GRAD } from "./project";
import { NodeArgs, NodeBackend, attr } from "./tensorflow-node";
import { loadTensorflowOps } from "./tensorflow-ops";
import { projectBatchNormKernels, tensorflowOpsKernels } from "./tensorflow-ops-kernels";
import { BATCH_NORM_SETTING, projectBatchNorm } from "./tensorflow-settings";
import { UserError } from "../util/errors";

/**
 * Kernels of this project for tfjs-node ("tensorflow"): TensorFlow's own fused training ops, which tfjs
 * never calls. Batch norm in training mode is one FusedBatchNormV3 forward and one FusedBatchNormGradV3
 * backward (8 ms for a [128, 32, 32, 16] layer here) in place of the ~25 element-wise kernels of its tensor
 * form (100 ms), and ReLU's gradient is one ReluGrad in place of three. Also a detour around one faulty
 * TensorFlow kernel (safeBackpropFilter). With the project's own ops built (tensorflow-ops.ts), the kernels
 * of tensorflow-ops-kernels.ts too, and batch norm is the project's unless the settings keep TensorFlow's.
 */

function batchNormAttrs(b: NodeBackend["binding"], epsilon: number, forward: boolean): unknown[] {
  return [
    attr.float32(b, "T"),
    attr.float32(b, "U"),
    attr.float(b, "epsilon", epsilon),
    // 1: the "running" outputs are this batch's own statistics; the running average is the caller's.
    ...(forward ? [attr.float(b, "exponential_avg_factor", 1)] : []),
    attr.string(b, "data_format", "NHWC"),
    attr.bool(b, "is_training", true),
  ];
}

/**
 * Inputs x (NHWC), scale, offset. Outputs: y, the batch mean, the batch's unbiased variance, and three
 * reserve tensors that only the gradient reads.
 */
const tensorflowBatchNorm: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as NodeArgs;
  const empty = tf.tensor1d([], "float32");
  const outs = backend.executeMultipleOutputs("FusedBatchNormV3", batchNormAttrs(backend.binding, attrs.epsilon as number, true), [inputs.x, inputs.scale, inputs.offset, empty, empty], 6);
  empty.dispose();
  return outs;
};

/** Inputs dy, x, scale and the forward's three reserve tensors. Outputs dx, dscale, doffset. */
const tensorflowBatchNormGrad: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as NodeArgs;
  const { dy, x, scale, reserve1, reserve2, reserve3 } = inputs;
  const outs = backend.executeMultipleOutputs("FusedBatchNormGradV3", batchNormAttrs(backend.binding, attrs.epsilon as number, false), [dy, x, scale, reserve1, reserve2, reserve3], 5);
  // The last two are placeholders of the op's signature.
  tf.dispose(outs.slice(3) as tf.Tensor[]);
  return outs.slice(0, 3);
};

/** Inputs dy and the ReLU's output y: dy where y > 0, else 0. */
const reluGrad: KernelFunc = (args) => {
  const { inputs, backend } = args as unknown as NodeArgs;
  return backend.executeSingleOutput("ReluGrad", [attr.float32(backend.binding, "T")], [inputs.dy, inputs.y]);
};

/**
 * TensorFlow's Conv2DBackpropFilter with oneDNN corrupts the heap for 1x1 filters at stride 2 over few
 * input channels (measured here: 4 -> 8 channels crashes, 8 -> 8 does not; the narrow ResNets' shortcuts).
 * A 1x1 filter at stride s sees only every s-th pixel, so its gradient is the stride-1 gradient over the
 * input subsampled that way: the same values, through a path that works.
 */
function safeBackpropFilter(original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs } = args as unknown as NodeArgs;
    const [fh, fw] = attrs.filterShape as number[];
    const strides = typeof attrs.strides === "number" ? [attrs.strides, attrs.strides] : (attrs.strides as number[]);
    if (fh !== 1 || fw !== 1 || (strides[0] === 1 && strides[1] === 1) || attrs.pad !== "valid") return original(args);
    const x = inputs.x as tf.Tensor4D;
    return tf.tidy(() => {
      const sampled = subsample(x, strides[0], strides[1]);
      return original({ ...args, inputs: { ...inputs, x: sampled }, attrs: { ...attrs, strides: [1, 1] } } as never) as tf.Tensor;
    });
  };
}

/**
 * Every s-th pixel of x (what a 1x1 filter at stride s sees). Where s divides the size, as a reshape and a
 * contiguous slice: the same copy, 5-28x faster here than TensorFlow's StridedSlice on the narrow ResNets'
 * shapes (1.4 against 0.3 ms on [128, 32, 32, 4]).
 */
function subsample(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (h % sh !== 0 || w % sw !== 0) return tf.stridedSlice(x, [0, 0, 0, 0], x.shape, [1, sh, sw, 1]) as tf.Tensor4D;
  const spread = tf.reshape(x, [n, h / sh, sh, w / sw, sw, c]);
  return tf.reshape(tf.slice(spread, [0, 0, 0, 0, 0, 0], [-1, -1, 1, -1, 1, -1]), [n, h / sh, w / sw, c]);
}

let registered = false;
let batchNormKernels: "project" | "tensorflow" | undefined;

/**
 * Registers the kernels above for "tensorflow" (the one place that does): once, but for batch norm at every
 * call, whose choice follows the settings (a process may change them between runs; the run identity names it).
 */
export function registerTensorflowKernels(): void {
  const ownBatchNorm = projectBatchNorm();
  const ops = loadTensorflowOps();
  if (ownBatchNorm && !ops) throw new UserError(`the project's batch norm was chosen but its library does not load (see above); run \`npm run native\`, or set ${BATCH_NORM_SETTING}=tensorflow.`);
  const choice = ownBatchNorm ? "project" : "tensorflow";
  if (choice !== batchNormKernels) {
    for (const name of [BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, BATCH_NORM_RELU_TRAINING, BATCH_NORM_RELU_TRAINING_GRAD]) {
      if (tf.getKernel(name, "tensorflow")) tf.unregisterKernel(name, "tensorflow");
    }
    const batchNorm: [string, KernelFunc][] = ownBatchNorm
      ? projectBatchNormKernels
      : [
          [BATCH_NORM_TRAINING, tensorflowBatchNorm],
          [BATCH_NORM_TRAINING_GRAD, tensorflowBatchNormGrad],
        ];
    for (const [kernelName, kernelFunc] of batchNorm) tf.registerKernel({ kernelName, backendName: "tensorflow", kernelFunc });
    batchNormKernels = choice;
  }
  if (registered) return;
  registered = true;
  const kernels: [string, KernelFunc][] = [[RELU_GRAD, reluGrad], ...(ops ? tensorflowOpsKernels : [])];
  for (const [kernelName, kernelFunc] of kernels) {
    if (!tf.getKernel(kernelName, "tensorflow")) tf.registerKernel({ kernelName, backendName: "tensorflow", kernelFunc });
  }
  const filter = tf.getKernel("Conv2DBackpropFilter", "tensorflow");
  if (filter) {
    tf.unregisterKernel("Conv2DBackpropFilter", "tensorflow");
    tf.registerKernel({ ...filter, kernelFunc: safeBackpropFilter(filter.kernelFunc) });
  }
}
