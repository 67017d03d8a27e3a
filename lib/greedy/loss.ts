import * as tf from "@tensorflow/tfjs";

/**
 * The selection loss. "cross-entropy": mean softmax cross-entropy of f_S(x) taken as logits (the loss the
 * network was pre-trained with). "squared": mean over examples of ||f_S(x) - onehot(y)||^2 (the loss of
 * the paper's analysis).
 */
export type SelectionLoss = "cross-entropy" | "squared";
export const SELECTION_LOSSES: SelectionLoss[] = ["cross-entropy", "squared"];

/** The loss of outputs `f` [m, classes] against one-hot labels [m, classes]: a scalar tensor. */
export function outputLoss(loss: SelectionLoss, f: tf.Tensor2D, onehot: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    if (loss === "squared") return tf.mean(tf.sum(tf.square(tf.sub(f, onehot)), 1)) as tf.Scalar;
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(f)), 1))) as tf.Scalar;
  });
}
