// fitbench-export: a saved model as an ONNX file (MXNet's
// mx.onnx.export_model), checked by ONNX's checker before it is written.
#include <cstdio>
#include <optional>
#include <string>

#include "fitbench/fit_config.h"
#include "fitbench/fit_data.h"
#include "fitbench/onnx_export.h"
#include "fitbench/tool_args.h"

namespace {

using fitbench::ArgSpec;
using fitbench::ArgType;

// Rows name only the fields they set, as the FitArgs schema's do.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const fitbench::ToolCommandLine& command_line() {
  static const fitbench::ToolCommandLine cl(
      "fitbench-export",
      "Write a saved model as an ONNX file for ONNX Runtime, TensorRT or OpenVINO. The model is --model-prefix "
      "with --load-epoch (prefix-symbol.json, prefix-%04d.params), or --symbol with --params. The ONNX model "
      "computes what the model computes at inference: BatchNorm with its moving statistics, Dropout passing "
      "values through, SoftmaxOutput as Softmax (probabilities). Its input is 'data', shaped (batch, "
      "--image-shape) and normalised as the training run read it; with --include-preprocessing 1 it is 'pixels' "
      "instead, values 0..255 in RGB order, normalised inside the model.",
      fitbench::with_model_file_args({
          {.name = "onnx", .help = "the ONNX file to write", .metavar = "FILE"},
          {.name = "opset", .type = ArgType::Int, .default_value = "13",
           .help = "the ONNX operator set, from 13 to " + std::to_string(fitbench::max_onnx_opset()) +
                   "; ONNX's checker reads the file up to opset " +
                   std::to_string(fitbench::max_checked_onnx_opset()) +
                   " (the newest the ONNX library of this build knows)",
           .validate = [](const std::string& text) -> std::optional<std::string> {
             const int opset = std::stoi(text);  // checked as an int before
             if (opset >= 13 && opset <= fitbench::max_onnx_opset()) return std::nullopt;
             return "choose an opset from 13 to " + std::to_string(fitbench::max_onnx_opset()) + ", not " +
                    text;
           },
           .metavar = "N"},
          {.name = "dynamic-batch", .type = ArgType::Int, .default_value = "0",
           .help = "1: any batch size (a symbolic first dimension 'batch'); 0: batches of 1",
           .choices = {"0", "1"}, .metavar = "0|1"},
          {.name = "include-preprocessing", .type = ArgType::Int, .default_value = "0",
           .help = "1: the model takes raw pixels and subtracts --rgb-mean and divides by --rgb-std "
                   "(idx data: divides by 255) as its first nodes",
           .choices = {"0", "1"}, .metavar = "0|1"},
      }),
      {"model-prefix", "load-epoch", "image-shape", "rgb-mean", "rgb-std", "data-train", "data-val"});
  return cl;
}
#pragma GCC diagnostic pop

// "(batch, 1, 28, 28)" with a dynamic batch, else "(1, 1, 28, 28)".
std::string shape_text(const fitbench::Shape& shape, bool dynamic_batch) {
  std::string text = shape.str();
  if (dynamic_batch) text.replace(1, text.find_first_of(",)") - 1, "batch");
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  return command_line().run(argc, argv, [](const fitbench::ToolArgs& a) {
    if (!a.has("onnx")) throw fitbench::ArgError("give the file to write with --onnx FILE");
    std::string params_file;
    const fitbench::Checkpoint model = fitbench::load_tool_model(a, params_file);
    fitbench::OnnxExportOptions options;
    options.opset = a.get_int("opset");
    options.dynamic_batch = a.get_int("dynamic-batch") == 1;
    options.include_preprocessing = a.get_int("include-preprocessing") == 1;
    options.input = fitbench::input_format(fitbench::FitConfig::resolve(a.fit));
    const fitbench::OnnxExport result = fitbench::save_onnx(a.get("onnx"), model, options);
    std::printf("fitbench-export: wrote %s from %s: ONNX opset %d, %d nodes, %lld parameters, %s\n",
                a.get("onnx").c_str(), params_file.c_str(), result.opset, result.nodes,
                static_cast<long long>(result.parameters),
                result.checked ? "checked by ONNX's checker" : "newer than ONNX's checker here knows, unchecked");
    std::printf("  input  %s %s\n", result.input.name.c_str(),
                shape_text(result.input.shape, options.dynamic_batch).c_str());
    for (const auto& value : result.outputs)
      std::printf("  output %s %s\n", value.name.c_str(), shape_text(value.shape, options.dynamic_batch).c_str());
    return 0;
  });
}
