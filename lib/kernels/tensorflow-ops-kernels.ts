import * as tf from "@tensorflow/tfjs";
import { KernelFunc } from "./wasm-ops";
import {
  ADAM_BETA1,
  ADAM_BETA2,
  ADAM_EPS,
  ADD_RELU,
  BATCH_NORM_RELU_TRAINING,
  BATCH_NORM_RELU_TRAINING_GRAD,
  BATCH_NORM_TRAINING,
  BATCH_NORM_TRAINING_GRAD,
  BatchNormAttrs,
  OPTIMIZER_UPDATE,
  OptimizerUpdateAttrs,
  RUNNING_AVERAGE,
  RunningAverageAttrs,
} from "./project";
import { NodeArgs, attr } from "./tensorflow-node";

/**
 * tfjs kernels over the project's own TensorFlow ops (native/lottery_ops.cc, loaded by tensorflow-ops.ts):
 * one TensorFlow call each where the tensor form makes three to eight. Measured on ResNet-20-4 (bench
 * --profile), a training step makes 1,198 kernel calls without them and ~700 with them.
 */

/** Inputs a, b of one shape: relu(a + b). */
const addRelu: KernelFunc = (args) => {
  const { inputs, backend } = args as unknown as NodeArgs;
  return backend.executeSingleOutput(ADD_RELU, [], [inputs.a, inputs.b]);
};

/** Inputs a layer's running mean and variance and the batch's; outputs the new running mean and variance. */
const runningAverage: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as NodeArgs;
  const { keep, mix } = attrs as unknown as RunningAverageAttrs;
  const b = backend.binding;
  return backend.executeMultipleOutputs(RUNNING_AVERAGE, [attr.float(b, "keep", keep), attr.float(b, "mix", mix)], [inputs.runningMean, inputs.runningVar, inputs.mean, inputs.variance], 2);
};

/**
 * As the wasm kernel (optimizer-update.ts): inputs p, grad and the optional mask, m and v; outputs the new
 * parameter, then the new slots in the order m, v. The scalars travel as one small tensor (see the op).
 */
const optimizerUpdate: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as NodeArgs;
  const a = attrs as unknown as OptimizerUpdateAttrs;
  const { p, grad, mask, m, v } = inputs;
  const adam = a.rule === "adam";
  const slots = adam ? 2 : m ? 1 : 0;
  const scalars = tf.tensor1d(
    adam ? [a.lr, a.weightDecay, ADAM_BETA1, 1 - ADAM_BETA1, ADAM_BETA2, 1 - ADAM_BETA2, ADAM_EPS, a.correction1, a.correction2] : [a.lr, a.weightDecay, a.momentum],
    "float32",
  );
  const b = backend.binding;
  const opAttrs = [attr.bool(b, "adam", adam), attr.bool(b, "masked", mask !== undefined), attr.int(b, "slots", slots)];
  const outs = backend.executeMultipleOutputs(OPTIMIZER_UPDATE, opAttrs, [p, grad, mask ?? p, m ?? p, v ?? p, scalars], 3);
  scalars.dispose();
  tf.dispose(outs.slice(1 + slots));
  return outs.slice(0, 1 + slots);
};

function batchNormAttrs(args: NodeArgs, relu: boolean): unknown[] {
  const b = args.backend.binding;
  return [attr.float(b, "epsilon", (args.attrs as unknown as BatchNormAttrs).epsilon), attr.bool(b, "relu", relu)];
}

/**
 * The project's batch norm in training mode (the op's comment says how), as BATCH_NORM_TRAINING's kernel:
 * inputs x, scale, offset; outputs y, mean, unbiased variance, and the mean and 1 / std for the gradient.
 * With `relu`, y is the ReLU's output, and the gradient takes it as `y`.
 */
const batchNormTraining =
  (relu: boolean): KernelFunc =>
  (args) => {
    const a = args as unknown as NodeArgs;
    const { x, scale, offset } = a.inputs;
    return a.backend.executeMultipleOutputs("LotteryBatchNorm", batchNormAttrs(a, relu), [x, scale, offset], 5);
  };

/** Inputs dy, x, scale, the forward's reserves (mean, 1 / std) and, with `relu`, its y. Outputs dx, dscale, doffset. */
const batchNormTrainingGrad =
  (relu: boolean): KernelFunc =>
  (args) => {
    const a = args as unknown as NodeArgs;
    const { dy, x, scale, reserve1, reserve2, y } = a.inputs;
    return a.backend.executeMultipleOutputs("LotteryBatchNormGrad", batchNormAttrs(a, relu), [dy, x, scale, reserve1, reserve2, relu ? y : x], 3);
  };

export const projectBatchNormKernels: [string, KernelFunc][] = [
  [BATCH_NORM_TRAINING, batchNormTraining(false)],
  [BATCH_NORM_TRAINING_GRAD, batchNormTrainingGrad(false)],
  [BATCH_NORM_RELU_TRAINING, batchNormTraining(true)],
  [BATCH_NORM_RELU_TRAINING_GRAD, batchNormTrainingGrad(true)],
];

export const tensorflowOpsKernels: [string, KernelFunc][] = [
  [ADD_RELU, addRelu],
  [RUNNING_AVERAGE, runningAverage],
  [OPTIMIZER_UPDATE, optimizerUpdate],
];
