import * as tf from "@tensorflow/tfjs";

/** The part of tfjs-node's backend the project's kernels call (it runs any TensorFlow op by name). */
export interface NodeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_FLOAT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_ATTR_INT: number; TF_FLOAT: number };
  executeSingleOutput(op: string, attrs: unknown[], inputs: tf.TensorInfo[]): tf.Tensor;
  executeMultipleOutputs(op: string, attrs: unknown[], inputs: tf.TensorInfo[], outputs: number): tf.Tensor[];
}

/** A kernel's arguments on tfjs-node. */
export type NodeArgs = { inputs: Record<string, tf.TensorInfo>; backend: NodeBackend; attrs: Record<string, unknown> };

type Binding = NodeBackend["binding"];

/** Attributes of a TensorFlow op, as tfjs-node's binding takes them. */
export const attr = {
  float32: (b: Binding, name: string) => ({ name, type: b.TF_ATTR_TYPE, value: b.TF_FLOAT }),
  float: (b: Binding, name: string, value: number) => ({ name, type: b.TF_ATTR_FLOAT, value }),
  bool: (b: Binding, name: string, value: boolean) => ({ name, type: b.TF_ATTR_BOOL, value }),
  int: (b: Binding, name: string, value: number) => ({ name, type: b.TF_ATTR_INT, value }),
  string: (b: Binding, name: string, value: string) => ({ name, type: b.TF_ATTR_STRING, value }),
};
