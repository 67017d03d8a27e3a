// The project's own TensorFlow ops, for the tensorflow backend (tfjs-node): element-wise work that tfjs
// would run as several kernels, each a pass over memory and a trip through TensorFlow's eager runtime, done
// in one. Each computes exactly the float operations of the tensor form it replaces, in the same order, so
// a run's bits do not depend on whether this library is loaded (built with -ffp-contract=off: no fused
// multiply-adds). Registered with TensorFlow when the library loads (kernels/tensorflow-ops.ts).
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
struct Mix { float keep, mix; };

void* mixCreate(TF_OpKernelConstruction* ctx) {
  Status st;
  Mix* m = new Mix();
  TF_OpKernelConstruction_GetAttrFloat(ctx, "keep", &m->keep, st.s);
  if (st.ok()) TF_OpKernelConstruction_GetAttrFloat(ctx, "mix", &m->mix, st.s);
  if (!st.ok()) TF_OpKernelConstruction_Failure(ctx, st.s);
  return m;
}
void mixDelete(void* m) { delete static_cast<Mix*>(m); }

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
struct Rule { TF_Bool adam, masked; int32_t slots; };

void* ruleCreate(TF_OpKernelConstruction* ctx) {
  Status st;
  Rule* r = new Rule();
  TF_OpKernelConstruction_GetAttrBool(ctx, "adam", &r->adam, st.s);
  if (st.ok()) TF_OpKernelConstruction_GetAttrBool(ctx, "masked", &r->masked, st.s);
  if (st.ok()) TF_OpKernelConstruction_GetAttrInt32(ctx, "slots", &r->slots, st.s);
  if (!st.ok()) TF_OpKernelConstruction_Failure(ctx, st.s);
  return r;
}
void ruleDelete(void* r) { delete static_cast<Rule*>(r); }

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
  define("LotteryAddRelu", {"a: float", "b: float"}, {"y: float"}, {}, &none, &addRelu, &noop);
  define("LotteryRunningAverage", {"running_mean: float", "running_var: float", "mean: float", "variance: float"},
         {"new_mean: float", "new_var: float"}, {"keep: float", "mix: float"}, &mixCreate, &runningAverage, &mixDelete);
  define("LotteryOptimizerUpdate", {"p: float", "grad: float", "mask: float", "m: float", "v: float", "scalars: float"},
         {"p_out: float", "m_out: float", "v_out: float"}, {"adam: bool", "masked: bool", "slots: int"}, &ruleCreate, &optimizerUpdate,
         &ruleDelete);
}

}  // namespace
