// --summary: the layers of a network with output shapes and parameter counts,
// laid out like Keras' model.summary().
#include <algorithm>
#include <set>
#include <sstream>

#include "fitbench/executor.h"
#include "fitbench/models.h"

namespace fitbench {

namespace {

// 25557032 -> "25,557,032", as Keras prints counts.
std::string with_commas(int64_t value) {
  std::string digits = std::to_string(value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

}  // namespace

NetworkSummary summarize_network(const Symbol& symbol, const std::map<std::string, Shape>& inputs) {
  const InferredShapes shapes = infer_shapes(symbol, inputs);
  // Not learnable: what the caller feeds, and the labels of loss heads (their
  // inputs after the data), which the caller may leave to shape inference.
  std::set<std::string> counted;
  for (const auto& [name, shape] : inputs) counted.insert(name);
  for (const auto& node : symbol.topo_order()) {
    if (node->is_variable() || !create_operator(node->op, node->attrs)->is_loss()) continue;
    for (size_t i = 1; i < node->inputs.size(); ++i) counted.insert(node->inputs[i].node->name);
  }

  NetworkSummary summary;
  auto layer = shapes.layers.begin();
  for (const auto& node : symbol.topo_order()) {
    if (node->is_variable()) continue;
    FB_ASSERT(layer != shapes.layers.end() && layer->name == node->name);
    LayerSummary row{node->name, node->op, layer->shape, 0};
    ++layer;
    for (const auto& entry : node->inputs) {
      const auto arg = shapes.arguments.find(entry.node->name);
      // Aux states are absent from `arguments`; `counted` skips inputs, labels and shared parameters.
      if (!entry.node->is_variable() || arg == shapes.arguments.end() || !counted.insert(arg->first).second)
        continue;
      row.params += arg->second.size();
    }
    summary.total_params += row.params;
    summary.layers.push_back(std::move(row));
  }
  return summary;
}

std::string network_summary(const Symbol& symbol, const std::map<std::string, Shape>& inputs) {
  const NetworkSummary summary = summarize_network(symbol, inputs);
  size_t name_width = 5, op_width = 2, shape_width = 12;  // the headers' own widths
  for (const auto& l : summary.layers) {
    name_width = std::max(name_width, l.name.size());
    op_width = std::max(op_width, l.op.size());
    shape_width = std::max(shape_width, l.output.str().size());
  }
  std::ostringstream os;
  auto row = [&](const std::string& name, const std::string& op, const std::string& shape, const std::string& n) {
    os.width(static_cast<std::streamsize>(name_width + 2));
    os << std::left << name;
    os.width(static_cast<std::streamsize>(op_width + 2));
    os << op;
    os.width(static_cast<std::streamsize>(shape_width + 2));
    os << shape << n << '\n';
  };
  const std::string rule(name_width + op_width + shape_width + 6 + 12, '=');
  row("Layer", "Op", "Output shape", "Param #");
  os << rule << '\n';
  for (const auto& l : summary.layers) row(l.name, l.op, l.output.str(), with_commas(l.params));
  os << rule << '\n' << "Total params: " << with_commas(summary.total_params) << '\n';
  return os.str();
}

}  // namespace fitbench
