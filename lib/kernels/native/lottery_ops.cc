// The project's own TensorFlow ops, for the tensorflow backend (tfjs-node): work that tfjs would run as
// several kernels, each a pass over memory and a trip through TensorFlow's eager runtime, done in one. All but
// batch norm compute exactly the float operations of the tensor form they replace, in the same order, so a
// run's bits do not depend on whether they are loaded (built with -ffp-contract=off: no fused multiply-adds).
// Registered with TensorFlow when the library loads (kernels/tensorflow-ops.ts).
#include <string>
#include "tensorflow_c_api.h"

namespace {

struct Status {
  TF_Status* s = TF_NewStatus();
  ~Status() { TF_DeleteStatus(s); }
  bool ok() const { return TF_GetCode(s) == TF_OK; }
};

// An input, released when the kernel returns.
struct Input {
  TF_Tensor* t = nullptr;
  Input(TF_OpKernelContext* ctx, int i, Status& st) { TF_GetInput(ctx, i, &t, st.s); }
  ~Input() { if (t) TF_DeleteTensor(t); }
  const float* data() const { return static_cast<const float*>(TF_TensorData(t)); }
  int64_t size() const { return TF_TensorElementCount(t); }
};

// An output of `like`'s shape (or of `n` elements when `like` is null), released when the kernel returns.
struct Output {
  TF_Tensor* t = nullptr;
  Output(TF_OpKernelContext* ctx, int i, const Input* like, Status& st) {
    int64_t dims[8] = {0};
    int rank = like ? TF_NumDims(like->t) : 1;
    for (int d = 0; d < rank && like; d++) dims[d] = TF_Dim(like->t, d);
    t = TF_AllocateOutput(ctx, i, TF_FLOAT, dims, rank, like ? TF_TensorByteSize(like->t) : 0, st.s);
  }
  ~Output() { if (t) TF_DeleteTensor(t); }
  float* data() const { return static_cast<float*>(TF_TensorData(t)); }
};

void fail(TF_OpKernelContext* ctx, const std::string& message) {
  Status st;
  TF_SetStatus(st.s, TF_INVALID_ARGUMENT, message.c_str());
  TF_OpKernelContext_Failure(ctx, st.s);
}

bool sameSize(TF_OpKernelContext* ctx, const char* op, const Input& a, const Input& b) {
  if (a.size() == b.size()) return true;
  fail(ctx, std::string(op) + ": inputs of different sizes");
  return false;
}

// A kernel's attributes, read once when TensorFlow constructs it: T::read takes them from an AttrReader, which
// stops at the first one missing and then fails the construction.
struct AttrReader {
  TF_OpKernelConstruction* ctx;
  Status st;
  void get(const char* name, float* v) { if (st.ok()) TF_OpKernelConstruction_GetAttrFloat(ctx, name, v, st.s); }
  void get(const char* name, TF_Bool* v) { if (st.ok()) TF_OpKernelConstruction_GetAttrBool(ctx, name, v, st.s); }
  void get(const char* name, int32_t* v) { if (st.ok()) TF_OpKernelConstruction_GetAttrInt32(ctx, name, v, st.s); }
  ~AttrReader() { if (!st.ok()) TF_OpKernelConstruction_Failure(ctx, st.s); }
};
template <typename T>
void* create(TF_OpKernelConstruction* ctx) {
  T* t = new T();
  AttrReader r{ctx, {}};
  t->read(r);
  return t;
}
template <typename T>
void destroy(void* t) { delete static_cast<T*>(t); }

// ---- LotteryAddRelu: y = relu(a + b), a residual block's sum and its ReLU (tf.relu(tf.add(a, b))).
void addRelu(void*, TF_OpKernelContext* ctx) {
  Status st;
  Input a(ctx, 0, st), b(ctx, 1, st);
  if (!st.ok()) return TF_OpKernelContext_Failure(ctx, st.s);
  if (!sameSize(ctx, "LotteryAddRelu", a, b)) return;
  Output y(ctx, 0, &a, st);
  if (!st.ok()) return TF_OpKernelContext_Failure(ctx, st.s);
  const float *pa = a.data(), *pb = b.data();
  float* py = y.data();
  for (int64_t i = 0, n = a.size(); i < n; i++) {
    float v = pa[i] + pb[i];
    py[i] = v > 0.0f ? v : 0.0f;
  }
}

// ---- LotteryRunningAverage: a batch-norm layer's running statistics, both at once:
// running * keep + batch * mix (tf.add(tf.mul(running, keep), tf.mul(batch, mix))).
struct Mix {
  float keep = 0, mix = 0;
  void read(AttrReader& r) { r.get("keep", &keep); r.get("mix", &mix); }
};

void runningAverage(void* kernel, TF_OpKernelContext* ctx) {
  const Mix& k = *static_cast<Mix*>(kernel);
  Status st;
  Input runMean(ctx, 0, st), runVar(ctx, 1, st), mean(ctx, 2, st), var(ctx, 3, st);
  if (!st.ok()) return TF_OpKernelContext_Failure(ctx, st.s);
  if (!sameSize(ctx, "LotteryRunningAverage", runMean, mean) || !sameSize(ctx, "LotteryRunningAverage", runVar, var)) return;
  Output outMean(ctx, 0, &runMean, st), outVar(ctx, 1, &runVar, st);
  if (!st.ok()) return TF_OpKernelContext_Failure(ctx, st.s);
  for (int j = 0; j < 2; j++) {
    const float* r = (j ? runVar : runMean).data();
    const float* b = (j ? var : mean).data();
    float* o = (j ? outVar : outMean).data();
    for (int64_t i = 0, n = runMean.size(); i < n; i++) o[i] = r[i] * k.keep + b[i] * k.mix;
  }
}

// ---- LotteryOptimizerUpdate: one parameter's SGD (with momentum) or Adam update, as
// train/optimizer.ts's tensorUpdate computes it op for op. Inputs p, grad, mask, m, v, and `scalars`:
// SGD [lr, weight decay, momentum]; Adam [lr, weight decay, beta1, 1 - beta1, beta2, 1 - beta2, eps,
// 1 - beta1^t, 1 - beta2^t]. Scalars come as a tensor, not attributes: TensorFlow keeps one kernel per
// distinct attribute value, and the learning rate changes every step. Absent mask or slots are passed as
// any tensor and ignored. Outputs: the new parameter, m and v (empty where the rule has no such slot).
struct Rule {
  TF_Bool adam = 0, masked = 0;
  int32_t slots = 0;
  void read(AttrReader& r) { r.get("adam", &adam); r.get("masked", &masked); r.get("slots", &slots); }
};

void optimizerUpdate(void* kernel, TF_OpKernelContext* ctx) {
  const Rule& rule = *static_cast<Rule*>(kernel);
  Status st;
  Input p(ctx, 0, st), grad(ctx, 1, st), mask(ctx, 2, st), m(ctx, 3, st), v(ctx, 4, st), scalars(ctx, 5, st);
  if (!st.ok()) return TF_OpKernelContext_Failure(ctx, st.s);
  const char* op = "LotteryOptimizerUpdate";
  const int slots = rule.adam ? 2 : rule.slots;
  if (!sameSize(ctx, op, p, grad) || (rule.masked && !sameSize(ctx, op, p, mask)) || (slots > 0 && !sameSize(ctx, op, p, m)) ||
      (slots > 1 && !sameSize(ctx, op, p, v)))
    return;
  if (scalars.size() != (rule.adam ? 9 : 3)) return fail(ctx, std::string(op) + ": wrong number of scalars");
  Output pOut(ctx, 0, &p, st), mOut(ctx, 1, slots > 0 ? &p : nullptr, st), vOut(ctx, 2, slots > 1 ? &p : nullptr, st);
  if (!st.ok()) return TF_OpKernelContext_Failure(ctx, st.s);
  const float* s = scalars.data();
  const float lr = s[0], wd = s[1];
  const float *pp = p.data(), *pg = grad.data(), *pmask = mask.data(), *pm = m.data(), *pv = v.data();
  float *po = pOut.data(), *pmo = mOut.data(), *pvo = vOut.data();
  const int64_t n = p.size();
  for (int64_t i = 0; i < n; i++) {
    float g = rule.masked ? pg[i] * pmask[i] : pg[i];
    if (wd > 0.0f) g = g + pp[i] * wd;
    float step;
    if (rule.adam) {
      const float m1 = pm[i] * s[2] + g * s[3];
      const float v1 = pv[i] * s[4] + (g * g) * s[5];
      pmo[i] = m1;
      pvo[i] = v1;
      step = (m1 / s[7]) / (__builtin_sqrtf(v1 / s[8]) + s[6]);
    } else if (slots > 0) {
      step = pm[i] * s[2] + g;
      pmo[i] = step;
    } else {
      step = g;
    }
    const float next = pp[i] - lr * step;
    po[i] = rule.masked ? next * pmask[i] : next;
  }
}


// ---- LotteryBatchNorm / LotteryBatchNormGrad: batch norm in training mode over NHWC (statistics over every
// axis but the last), optionally with the ReLU that follows it, forward and backward, each in two passes over
// memory (TensorFlow's FusedBatchNormV3, its gradient and ReLU's take seven). Sums are float over blocks of
// 64 rows, gathered in double, in a fixed order: the bits depend only on the inputs. The forward's sums are
// of x minus the first row (shifted data): no cancellation in the variance however large the mean. Not the
// bits of TensorFlow's: a change to this arithmetic changes BATCH_NORM_TAG (kernels/tensorflow-settings.ts)
// and the bits fixture in test/native/kernels.test.ts.
struct BatchNormAttrs {
  float epsilon = 0;
  TF_Bool relu = 0;
  void read(AttrReader& r) { r.get("epsilon", &epsilon); r.get("relu", &relu); }
};

constexpr int64_t BLOCK = 64;
constexpr int MAX_CHANNELS = 4096;

// Four floats as one SIMD value (GCC's vector extension: SSE here, no intrinsics), loaded and stored unaligned.
typedef float v4 __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));
inline v4 load(const float* p) { v4 v; __builtin_memcpy(&v, p, sizeof v); return v; }
inline void store(float* p, v4 v) { __builtin_memcpy(p, &v, sizeof v); }
// dy where y > 0, else +0 (ReLU's gradient).
inline v4 mask(v4 dy, v4 y) { return (v4)((v4i)dy & (y > 0.0f)); }
inline float mask(float dy, float y) { return y > 0.0f ? dy : 0.0f; }

// The channel count: a compile-time multiple of 4 for the common widths (the channels then go four at a time
// through SIMD values), or 0 with the count at run time (one channel at a time).
template <int C>
struct Channels {
  static constexpr int width = C;
  int n;
  int operator()() const { return C > 0 ? C : n; }
};

// One pass over rows of channels: f(o, k) for the channel group starting at offset o of a row (o: element
// index, k: channel index), with T = v4 on the SIMD path and float otherwise; per-channel float partial sums
// over blocks of BLOCK rows, gathered into `sums` (double) after each block.
template <int C, int S, typename F>
void channelSums(Channels<C> ch, int64_t rows, double (*sums)[MAX_CHANNELS], F f) {
  const int c = ch();
  for (int i = 0; i < S; i++)
    for (int j = 0; j < c; j++) sums[i][j] = 0;
  for (int64_t r0 = 0; r0 < rows; r0 += BLOCK) {
    const int64_t r1 = r0 + BLOCK < rows ? r0 + BLOCK : rows;
    if constexpr (C > 0) {
      v4 part[S][C / 4] = {};
      for (int64_t r = r0; r < r1; r++)
        for (int k = 0; k < C; k += 4) f(r * C + k, k, part, k / 4);
      for (int i = 0; i < S; i++)
        for (int k = 0; k < C; k++) sums[i][k] += part[i][k / 4][k % 4];
    } else {
      float part[S][MAX_CHANNELS];
      for (int i = 0; i < S; i++)
        for (int k = 0; k < c; k++) part[i][k] = 0;
      for (int64_t r = r0; r < r1; r++)
        for (int k = 0; k < c; k++) f(r * c + k, k, part, k);
      for (int i = 0; i < S; i++)
        for (int k = 0; k < c; k++) sums[i][k] += part[i][k];
    }
  }
}

// Loads four channels (SIMD path) or one.
template <int C>
inline auto at(const float* p, int64_t o) {
  if constexpr (C > 0) return load(p + o); else return p[o];
}
template <int C, typename T>
inline void put(float* p, int64_t o, T v) {
  if constexpr (C > 0) store(p + o, v); else p[o] = v;
}
template <int C>
inline auto channel(const float* p, int k) {
  if constexpr (C > 0) return load(p + k); else return p[k];
}

template <bool RELU, int C>
void batchNormForward(Channels<C> ch, float epsilon, const float* __restrict x, int64_t rows, const float* __restrict scale, const float* __restrict offset,
                      float* __restrict y, float* __restrict mean, float* __restrict variance, float* __restrict invStd) {
  const int c = ch();
  static thread_local double sums[2][MAX_CHANNELS];
  // Sums of d = x - (the first row) and of d * d: no cancellation in the variance however large the mean.
  channelSums<C, 2>(ch, rows, sums, [&](int64_t o, int k, auto& part, int g) {
    const auto d = at<C>(x, o) - channel<C>(x, k);
    part[0][g] += d;
    part[1][g] += d * d;
  });
  float mul[MAX_CHANNELS];
  for (int j = 0; j < c; j++) {
    const double m = sums[0][j] / rows;
    const double biased = sums[1][j] / rows - m * m > 0 ? sums[1][j] / rows - m * m : 0;
    const double inv = 1 / __builtin_sqrt(biased + epsilon);
    mean[j] = static_cast<float>(x[j] + m);
    variance[j] = static_cast<float>(rows > 1 ? biased * rows / (rows - 1) : biased);
    invStd[j] = static_cast<float>(inv);
    mul[j] = static_cast<float>(scale[j] * inv);
  }
  const int step = C > 0 ? 4 : 1;
  for (int64_t r = 0; r < rows; r++)
    for (int k = 0; k < c; k += step) {
      const int64_t o = r * c + k;
      const auto v = (at<C>(x, o) - channel<C>(mean, k)) * channel<C>(mul, k) + channel<C>(offset, k);
      if constexpr (RELU) put<C>(y, o, mask(v, v)); else put<C>(y, o, v);
    }
}

template <bool RELU, int C>
void batchNormBackward(Channels<C> ch, const float* __restrict dy, const float* __restrict x, const float* __restrict y, int64_t rows,
                       const float* __restrict scale, const float* __restrict mean, const float* __restrict invStd, float* __restrict dx,
                       float* __restrict dScale, float* __restrict dOffset) {
  const int c = ch();
  // g = dy, masked by the ReLU where the forward had one.
  const auto g = [&](int64_t o) {
    if constexpr (RELU) return mask(at<C>(dy, o), at<C>(y, o)); else return at<C>(dy, o);
  };
  static thread_local double sums[2][MAX_CHANNELS];
  channelSums<C, 2>(ch, rows, sums, [&](int64_t o, int k, auto& part, int i) {
    const auto gi = g(o);
    part[0][i] += gi;
    part[1][i] += gi * (at<C>(x, o) - channel<C>(mean, k));
  });
  // dx = scale * inv * (g - sum(g) / n - (x - mean) * inv^2 * sum(g (x - mean)) / n)
  float kg[MAX_CHANNELS], kx[MAX_CHANNELS], k0[MAX_CHANNELS];
  for (int j = 0; j < c; j++) {
    const double si = static_cast<double>(scale[j]) * invStd[j];
    kg[j] = static_cast<float>(si);
    kx[j] = static_cast<float>(-si * invStd[j] * invStd[j] * sums[1][j] / rows);
    k0[j] = static_cast<float>(-si * sums[0][j] / rows);
    dScale[j] = static_cast<float>(sums[1][j] * invStd[j]);
    dOffset[j] = static_cast<float>(sums[0][j]);
  }
  const int step = C > 0 ? 4 : 1;
  for (int64_t r = 0; r < rows; r++)
    for (int k = 0; k < c; k += step) {
      const int64_t o = r * c + k;
      put<C>(dx, o, g(o) * channel<C>(kg, k) + (at<C>(x, o) - channel<C>(mean, k)) * channel<C>(kx, k) + channel<C>(k0, k));
    }
}

// Calls f with the channel count as a constant where it is a common width.
template <typename F>
void withChannels(int c, F f) {
  switch (c) {
    case 4: return f(Channels<4>{4});
    case 8: return f(Channels<8>{8});
    case 16: return f(Channels<16>{16});
    case 32: return f(Channels<32>{32});
    case 64: return f(Channels<64>{64});
    default: return f(Channels<0>{c});
  }
}

// Inputs x (NHWC or any rank, channels last), scale, offset. Outputs y, the batch mean, the batch's unbiased
// variance, and for the gradient the mean again (the caller disposes the first) and 1 / sqrt(biased variance + epsilon).
void batchNorm(void* kernel, TF_OpKernelContext* ctx) {
  const BatchNormAttrs& a = *static_cast<BatchNormAttrs*>(kernel);
  Status st;
  Input x(ctx, 0, st), scale(ctx, 1, st), offset(ctx, 2, st);
  if (!st.ok()) return TF_OpKernelContext_Failure(ctx, st.s);
  const int rank = TF_NumDims(x.t);
  const int c = rank > 0 ? static_cast<int>(TF_Dim(x.t, rank - 1)) : 0;
  if (c < 1 || c > MAX_CHANNELS || scale.size() != c || offset.size() != c || x.size() < c) return fail(ctx, "LotteryBatchNorm: x must be [..., C] with C of 1 to 4096 and scale and offset [C]");
  Output y(ctx, 0, &x, st), mean(ctx, 1, &scale, st), variance(ctx, 2, &scale, st), savedMean(ctx, 3, &scale, st), invStd(ctx, 4, &scale, st);
  if (!st.ok()) return TF_OpKernelContext_Failure(ctx, st.s);
  withChannels(c, [&](auto ch) {
    const auto f = a.relu ? batchNormForward<true, decltype(ch)::width> : batchNormForward<false, decltype(ch)::width>;
    f(ch, a.epsilon, x.data(), x.size() / c, scale.data(), offset.data(), y.data(), mean.data(), variance.data(), invStd.data());
  });
  __builtin_memcpy(savedMean.data(), mean.data(), c * sizeof(float));
}

// Inputs dy, x, scale, and the forward's mean, invStd and y (read only with relu). Outputs dx, dscale, doffset.
void batchNormGrad(void* kernel, TF_OpKernelContext* ctx) {
  const BatchNormAttrs& a = *static_cast<BatchNormAttrs*>(kernel);
  Status st;
  Input dy(ctx, 0, st), x(ctx, 1, st), scale(ctx, 2, st), mean(ctx, 3, st), invStd(ctx, 4, st), y(ctx, 5, st);
  if (!st.ok()) return TF_OpKernelContext_Failure(ctx, st.s);
  const int rank = TF_NumDims(x.t);
  const int c = rank > 0 ? static_cast<int>(TF_Dim(x.t, rank - 1)) : 0;
  if (c < 1 || c > MAX_CHANNELS || scale.size() != c || mean.size() != c || invStd.size() != c || dy.size() != x.size() || (a.relu && y.size() != x.size()))
    return fail(ctx, "LotteryBatchNormGrad: dy, x (and y) must be [..., C] alike, and scale, mean and invStd [C]");
  Output dx(ctx, 0, &x, st), dScale(ctx, 1, &scale, st), dOffset(ctx, 2, &scale, st);
  if (!st.ok()) return TF_OpKernelContext_Failure(ctx, st.s);
  withChannels(c, [&](auto ch) {
    const auto f = a.relu ? batchNormBackward<true, decltype(ch)::width> : batchNormBackward<false, decltype(ch)::width>;
    f(ch, dy.data(), x.data(), y.data(), x.size() / c, scale.data(), mean.data(), invStd.data(), dx.data(), dScale.data(), dOffset.data());
  });
}

void* none(TF_OpKernelConstruction*) { return nullptr; }
void noop(void*) {}

void unknownShape(TF_ShapeInferenceContext* ctx, TF_Status* status) { TF_ShapeInferenceContextSetUnknownShape(ctx, status); }

void define(const char* name, std::initializer_list<const char*> inputs, std::initializer_list<const char*> outputs,
            std::initializer_list<const char*> attrs, void* (*create)(TF_OpKernelConstruction*), void (*compute)(void*, TF_OpKernelContext*),
            void (*destroy)(void*)) {
  Status st;
  TF_OpDefinitionBuilder* op = TF_NewOpDefinitionBuilder(name);
  for (const char* i : inputs) TF_OpDefinitionBuilderAddInput(op, i);
  for (const char* o : outputs) TF_OpDefinitionBuilderAddOutput(op, o);
  for (const char* a : attrs) TF_OpDefinitionBuilderAddAttr(op, a);
  TF_OpDefinitionBuilderSetShapeInferenceFunction(op, &unknownShape);
  TF_RegisterOpDefinition(op, st.s);
  TF_RegisterKernelBuilder((std::string(name) + "Cpu").c_str(), TF_NewKernelBuilder(name, "CPU", create, compute, destroy), st.s);
}

__attribute__((constructor)) void registerOps() {
  define("LotteryBatchNorm", {"x: float", "scale: float", "offset: float"}, {"y: float", "mean: float", "variance: float", "saved_mean: float", "inv_std: float"},
         {"epsilon: float", "relu: bool"}, &create<BatchNormAttrs>, &batchNorm, &destroy<BatchNormAttrs>);
  define("LotteryBatchNormGrad", {"dy: float", "x: float", "scale: float", "mean: float", "inv_std: float", "y: float"},
         {"dx: float", "dscale: float", "doffset: float"}, {"epsilon: float", "relu: bool"}, &create<BatchNormAttrs>, &batchNormGrad, &destroy<BatchNormAttrs>);
  define("LotteryAddRelu", {"a: float", "b: float"}, {"y: float"}, {}, &none, &addRelu, &noop);
  define("LotteryRunningAverage", {"running_mean: float", "running_var: float", "mean: float", "variance: float"},
         {"new_mean: float", "new_var: float"}, {"keep: float", "mix: float"}, &create<Mix>, &runningAverage, &destroy<Mix>);
  define("LotteryOptimizerUpdate", {"p: float", "grad: float", "mask: float", "m: float", "v: float", "scalars: float"},
         {"p_out: float", "m_out: float", "v_out: float"}, {"adam: bool", "masked: bool", "slots: int"}, &create<Rule>, &optimizerUpdate,
         &destroy<Rule>);
}

}  // namespace
