// ONNX export of a checkpoint: the graph as ONNX nodes (built with Debian's
// libonnx protobuf classes, checked by onnx::checker up to the newest opset
// that library knows), the parameters as initializers. Inference only: BatchNorm uses its moving statistics, Dropout
// passes values through, SoftmaxOutput becomes Softmax and drops its label.
//
// Every operator fitbench runs maps to ONNX with the same numbers, MXNet's
// conventions included (Pooling "full" windows, count_include_pad, fix_gamma).
// What ONNX cannot express the same way (Dropout mode "always", BatchNorm over
// another axis than 1, a layer reading a hidden output) is an Error naming the
// layer, never a model that computes something else.
//
// The library is fitbench_onnx (core/src/export), apart from fitbench_core so
// that only its users link libonnx.
#pragma once

#include <string>
#include <vector>

#include "fitbench/checkpoint.h"
#include "fitbench/image_input.h"

namespace fitbench {

struct OnnxExportOptions {
  // ONNX operator set, from 13 (Softmax over one axis, Clip and ReduceSum
  // taking tensors) to max_onnx_opset(); the file's IR version is the one of
  // the ONNX release that introduced the opset.
  int opset = 13;
  // A symbolic batch dimension "batch" instead of a fixed batch of 1.
  bool dynamic_batch = false;
  // The input's channels, height and width; with include_preprocessing, also
  // its mean and std: the model then takes raw pixels (0..255) as "pixels"
  // and computes (pixels - mean[c]) / std[c] as its first nodes, as
  // fitbench-predict's image_to_input() does. Otherwise the input is "data",
  // already normalised.
  InputFormat input;
  bool include_preprocessing = false;
  // The symbol's argument fed with images (MXNet's and Gluon's "data").
  std::string data_name = "data";
};

struct OnnxValueInfo {
  std::string name;
  Shape shape;  // batch 1 shown even when dynamic
};

struct OnnxExport {
  std::string bytes;  // the serialized, checked ModelProto
  int opset = 0;
  bool checked = false;  // onnx::checker read it (opset <= max_checked_onnx_opset())
  int nodes = 0;
  int64_t parameters = 0;  // floats in the initializers taken from the checkpoint
  OnnxValueInfo input;
  std::vector<OnnxValueInfo> outputs;
};

// The newest opset fitbench writes: 21.
int max_onnx_opset();
// The newest the ONNX library fitbench was built with knows, and so can
// check: 17 for Debian 12's onnx 1.12. Newer opsets are written unchecked
// (tests/tools/check_onnx.py runs them in onnxruntime).
int max_checked_onnx_opset();

// Throws Error naming the layer at fault, the checkpoint parameter that is
// missing, or the option out of range.
OnnxExport export_onnx(const Checkpoint& model, const OnnxExportOptions& options);

// export_onnx() written to `path` through a temporary file, so a failed
// export never replaces a good file.
OnnxExport save_onnx(const std::string& path, const Checkpoint& model, const OnnxExportOptions& options);

}  // namespace fitbench
