// ONNX export (fitbench/onnx_export.h): one emitter per MXNet operator, each
// writing the ONNX nodes that compute what the operator's forward computes at
// inference, on the shapes infer_shapes() gives for a batch of one.
#include "fitbench/onnx_export.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "fitbench/attr_reader.h"
#include "fitbench/error.h"
#include "fitbench/executor.h"
#include "fitbench/file_util.h"

namespace fitbench {

namespace {

// Softmax over one axis, and Clip, Pad and ReduceSum reading tensors.
constexpr int kMinOpset = 13;
// The nodes written here mean the same up to opset 21 (later versions add
// types, optional inputs and modes fitbench does not use).
constexpr int kMaxOpset = 21;

// The IR version of the ONNX release that introduced `opset` (at least the
// library's own), so a runtime reads the file as that release wrote it.
int64_t ir_version_for(int opset) {
  if (opset >= 21) return 10;
  if (opset >= 19) return 9;
  return onnx::IR_VERSION;  // 8: onnx 1.12 (opset 17) and 1.13 (opset 18)
}

void set_int(onnx::NodeProto& node, const char* key, int64_t value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_float(onnx::NodeProto& node, const char* key, float value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void set_ints(onnx::NodeProto& node, const char* key, const std::vector<int64_t>& values) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(key);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

std::vector<int64_t> widen(const std::vector<int>& values) { return {values.begin(), values.end()}; }

void set_value_info(onnx::ValueInfoProto& info, const std::string& name, const Shape& shape, bool dynamic_batch) {
  info.set_name(name);
  onnx::TypeProto_Tensor* type = info.mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  for (int i = 0; i < shape.ndim(); ++i) {
    onnx::TensorShapeProto_Dimension* dim = type->mutable_shape()->add_dim();
    if (i == 0 && dynamic_batch)
      dim->set_dim_param("batch");
    else
      dim->set_dim_value(shape[i]);
  }
}

class Exporter;

// One MXNet layer while its emitter writes it: its attributes with the
// operator's defaults, its inputs as ONNX values with their shapes, and the
// name its output must have.
class Layer {
 public:
  Layer(Exporter& exporter, const SymbolNode& node, std::string output)
      : exporter_(exporter), node_(node), attrs_(node.op.c_str(), node.attrs), output_(std::move(output)) {}

  const std::string& name() const { return node_.name; }
  const AttrReader& attrs() const { return attrs_; }
  size_t num_inputs() const { return node_.inputs.size(); }
  // Input i as an ONNX value; a parameter becomes an initializer.
  std::string in(size_t i) const;
  const Shape& shape(size_t i) const;
  // The shape of the layer's first output, as the operator inferred it.
  const Shape& output_shape() const;
  // An initializer of ones shaped like parameter input i (BatchNorm's fixed gamma).
  std::string ones_like(size_t i) const;
  const std::string& out() const { return output_; }
  // A value name for an intermediate result: "<layer>/<what>".
  std::string temp(const std::string& what) const { return node_.name + "/" + what; }
  std::string floats(const std::string& what, const Shape& shape, const std::vector<float>& values) const;
  std::string scalar(const std::string& what, float value) const;
  std::string ints(const std::string& what, const std::vector<int64_t>& values) const;
  // A node computing `output` from `inputs`.
  onnx::NodeProto& add(const std::string& op_type, const std::vector<std::string>& inputs,
                       const std::string& output) const;
  template <class... Parts>
  [[noreturn]] void fail(Parts&&... parts) const {
    fitbench::fail("layer '", node_.name, "' (", node_.op, "): ", std::forward<Parts>(parts)...);
  }

 private:
  Exporter& exporter_;
  const SymbolNode& node_;
  AttrReader attrs_;
  std::string output_;
};

class Exporter {
 public:
  Exporter(const Checkpoint& model, const OnnxExportOptions& options, onnx::GraphProto& graph)
      : model_(model), options_(options), graph_(graph) {}

  void run();
  int64_t parameters() const { return parameters_; }
  const std::vector<OnnxValueInfo>& outputs() const { return outputs_; }
  const OnnxValueInfo& input() const { return input_; }

  // The ONNX value of `entry`, read by `consumer`.
  std::string value(const SymbolEntry& entry, const std::string& consumer);
  const Shape& shape(const SymbolEntry& entry) const;
  const Shape& layer_shape(const std::string& name) const { return layer_shapes_.at(name); }
  void initializer(const std::string& name, const Shape& shape, const float* values);
  void int_initializer(const std::string& name, const std::vector<int64_t>& values);
  onnx::NodeProto& add_node(const std::string& name, const std::string& op_type,
                            const std::vector<std::string>& inputs, const std::string& output);

 private:
  void add_input();
  void add_outputs();
  // The checkpoint's array for a parameter or auxiliary state.
  const Tensor* find_parameter(const std::string& name) const;

  const Checkpoint& model_;
  const OnnxExportOptions& options_;
  onnx::GraphProto& graph_;
  InferredShapes shapes_;
  std::map<std::string, Shape> layer_shapes_;
  std::set<std::string> initializers_, node_names_;
  int64_t parameters_ = 0;
  OnnxValueInfo input_;
  std::vector<OnnxValueInfo> outputs_;
};

std::string Layer::in(size_t i) const { return exporter_.value(node_.inputs.at(i), node_.name); }

const Shape& Layer::shape(size_t i) const { return exporter_.shape(node_.inputs.at(i)); }

const Shape& Layer::output_shape() const { return exporter_.layer_shape(node_.name); }

std::string Layer::ones_like(size_t i) const {
  const Shape& s = shape(i);
  const std::string name = temp(node_.inputs.at(i).node->name + "_ones");
  exporter_.initializer(name, s, std::vector<float>(static_cast<size_t>(s.size()), 1.0f).data());
  return name;
}

std::string Layer::floats(const std::string& what, const Shape& shape, const std::vector<float>& values) const {
  FB_ASSERT(static_cast<int64_t>(values.size()) == shape.size());
  exporter_.initializer(temp(what), shape, values.data());
  return temp(what);
}

std::string Layer::scalar(const std::string& what, float value) const {
  exporter_.initializer(temp(what), Shape{}, &value);
  return temp(what);
}

std::string Layer::ints(const std::string& what, const std::vector<int64_t>& values) const {
  exporter_.int_initializer(temp(what), values);
  return temp(what);
}

onnx::NodeProto& Layer::add(const std::string& op_type, const std::vector<std::string>& inputs,
                            const std::string& output) const {
  // The node writing the layer's output carries the layer's name; helpers before it are "<layer>/<op>".
  return exporter_.add_node(output == output_ ? node_.name : temp(op_type), op_type, inputs, output);
}

// --- One emitter per operator ------------------------------------------------

void convolution(const Layer& l) {
  const AttrReader& a = l.attrs();
  const std::vector<int> pad = a.get_tuple("pad", {0, 0}, 2);
  std::vector<std::string> inputs{l.in(0), l.in(1)};
  if (!a.get_bool("no_bias", false)) inputs.push_back(l.in(2));
  onnx::NodeProto& n = l.add("Conv", inputs, l.out());
  set_ints(n, "kernel_shape", widen(a.get_tuple("kernel", {})));
  set_ints(n, "strides", widen(a.get_tuple("stride", {1, 1}, 2)));
  set_ints(n, "dilations", widen(a.get_tuple("dilate", {1, 1}, 2)));
  set_ints(n, "pads", {pad[0], pad[1], pad[0], pad[1]});
  set_int(n, "group", a.get_int("num_group", 1));
}

// y = x W^T + b; with flatten, x is first flattened to (N, rest).
void fully_connected(const Layer& l) {
  const AttrReader& a = l.attrs();
  const bool no_bias = a.get_bool("no_bias", false);
  std::string x = l.in(0);
  if (a.get_bool("flatten", true)) {
    if (l.shape(0).ndim() != 2) {
      set_int(l.add("Flatten", {x}, l.temp("flat")), "axis", 1);
      x = l.temp("flat");
    }
    std::vector<std::string> inputs{x, l.in(1)};
    if (!no_bias) inputs.push_back(l.in(2));
    set_int(l.add("Gemm", inputs, l.out()), "transB", 1);
    return;
  }
  // Over the last axis of any shape: MatMul broadcasts where Gemm cannot.
  set_ints(l.add("Transpose", {l.in(1)}, l.temp("weight_t")), "perm", {1, 0});
  if (no_bias) {
    l.add("MatMul", {x, l.temp("weight_t")}, l.out());
    return;
  }
  l.add("MatMul", {x, l.temp("weight_t")}, l.temp("matmul"));
  l.add("Add", {l.temp("matmul"), l.in(2)}, l.out());
}

// Inference: the moving statistics, whatever use_global_stats says; fix_gamma
// makes gamma 1 whatever the file holds, as MXNet's kernel does.
void batch_norm(const Layer& l) {
  const AttrReader& a = l.attrs();
  int axis = a.get_int("axis", 1);
  if (axis < 0) axis += l.shape(0).ndim();
  if (axis != 1)
    l.fail("normalizes axis ", a.get_int("axis", 1), "; ONNX BatchNormalization normalizes axis 1 only");
  const std::string gamma = a.get_bool("fix_gamma", true) ? l.ones_like(1) : l.in(1);
  onnx::NodeProto& n = l.add("BatchNormalization", {l.in(0), gamma, l.in(2), l.in(3), l.in(4)}, l.out());
  set_float(n, "epsilon", a.get_float("eps", 1e-3f));
}

// MXNet's windows start at o * stride - pad; "full" adds a last, partial
// window (ceil instead of floor), which ONNX gets as extra padding at the end
// where it counts nothing. Average pooling with count_include_pad divides by
// the cells inside [-pad, size + pad): those padding cells become real zeros
// (Pad), and the extra end padding is excluded (count_include_pad 0).
void pooling(const Layer& l) {
  const AttrReader& a = l.attrs();
  const std::string type = a.get_string("pool_type", "max");
  const Shape& data = l.shape(0);
  if (a.get_bool("global_pool", false)) {
    if (type == "sum") {
      set_int(l.add("ReduceSum", {l.in(0), l.ints("axes", {2, 3})}, l.out()), "keepdims", 1);
    } else {
      l.add(type == "max" ? "GlobalMaxPool" : "GlobalAveragePool", {l.in(0)}, l.out());
    }
    return;
  }
  const std::vector<int64_t> kernel = widen(a.get_tuple("kernel", {}));
  const std::vector<int64_t> stride = widen(a.get_tuple("stride", {1, 1}, 2));
  const std::vector<int64_t> pad = widen(a.get_tuple("pad", {0, 0}, 2));
  // The windows the Pooling operator inferred (more with "full") end `extra` past the padding.
  const Shape& out = l.output_shape();
  std::vector<int64_t> extra(2, 0);
  for (int i = 0; i < 2; ++i)
    extra[i] = std::max<int64_t>(0, (out[2 + i] - 1) * stride[i] + kernel[i] - (data[2 + i] + 2 * pad[i]));
  const std::vector<int64_t> pads{pad[0], pad[1], pad[0] + extra[0], pad[1] + extra[1]};
  auto windows = [&](onnx::NodeProto& n, const std::vector<int64_t>& node_pads) -> onnx::NodeProto& {
    set_ints(n, "kernel_shape", kernel);
    set_ints(n, "strides", stride);
    set_ints(n, "pads", node_pads);
    return n;
  };
  if (type == "max") {
    windows(l.add("MaxPool", {l.in(0)}, l.out()), pads);
  } else if (type == "sum") {
    // A depthwise convolution with ones: padding adds zeros, as MXNet's sum does.
    const int64_t channels = data[1];
    const Shape ones_shape{channels, 1, kernel[0], kernel[1]};
    const std::string ones = l.floats("ones", ones_shape, std::vector<float>(size_t(ones_shape.size()), 1.0f));
    set_int(windows(l.add("Conv", {l.in(0), ones}, l.out()), pads), "group", channels);
  } else if (a.get_bool("count_include_pad", true)) {
    std::string x = l.in(0);
    if (pad[0] > 0 || pad[1] > 0) {
      l.add("Pad", {x, l.ints("pads", {0, 0, pad[0], pad[1], 0, 0, pad[0], pad[1]})}, l.temp("padded"));
      x = l.temp("padded");
    }
    set_int(windows(l.add("AveragePool", {x}, l.out()), {0, 0, extra[0], extra[1]}), "count_include_pad", 0);
  } else {
    set_int(windows(l.add("AveragePool", {l.in(0)}, l.out()), pads), "count_include_pad", 0);
  }
}

void activation(const Layer& l) {
  static const std::map<std::string, const char*> ops = {
      {"relu", "Relu"}, {"sigmoid", "Sigmoid"}, {"tanh", "Tanh"}, {"softrelu", "Softplus"}, {"softsign", "Softsign"}};
  l.add(ops.at(l.attrs().get_string("act_type", "")), {l.in(0)}, l.out());
}

void leaky_relu(const Layer& l) {
  // The operator accepts leaky and elu only; slope is elu's alpha.
  const bool elu = l.attrs().get_string("act_type", "leaky") == "elu";
  set_float(l.add(elu ? "Elu" : "LeakyRelu", {l.in(0)}, l.out()), "alpha", l.attrs().get_float("slope", 0.25f));
}

void clip(const Layer& l) {
  const std::string low = l.scalar("min", l.attrs().get_float("a_min", 0.0f));
  const std::string high = l.scalar("max", l.attrs().get_float("a_max", 0.0f));
  l.add("Clip", {l.in(0), low, high}, l.out());
}

// Both divide by (knorm + alpha / nsize * sum of squares)^beta over the same centred window.
void lrn(const Layer& l) {
  const AttrReader& a = l.attrs();
  onnx::NodeProto& n = l.add("LRN", {l.in(0)}, l.out());
  set_int(n, "size", a.require_int("nsize"));
  set_float(n, "alpha", a.get_float("alpha", 1e-4f));
  set_float(n, "beta", a.get_float("beta", 0.75f));
  set_float(n, "bias", a.get_float("knorm", 2.0f));
}

void dropout(const Layer& l) {
  if (l.attrs().get_string("mode", "training") == "always")
    l.fail("mode 'always' drops values at inference too, which an exported model cannot reproduce; retrain with "
           "mode 'training' or remove the layer");
  l.add("Identity", {l.in(0)}, l.out());
}

void concat(const Layer& l) {
  std::vector<std::string> inputs;
  for (size_t i = 0; i < l.num_inputs(); ++i) inputs.push_back(l.in(i));
  set_int(l.add("Concat", inputs, l.out()), "axis", l.attrs().get_int("dim", 1));
}

void flatten(const Layer& l) { set_int(l.add("Flatten", {l.in(0)}, l.out()), "axis", 1); }

void elemwise_add(const Layer& l) { l.add("Add", {l.in(0), l.in(1)}, l.out()); }

void identity(const Layer& l) { l.add("Identity", {l.in(0)}, l.out()); }

// The probabilities SoftmaxOutput's forward gives; its label input is dropped.
// Without multi_output or preserve_shape MXNet normalizes over everything but
// the batch axis and keeps the data's shape.
void softmax_output(const Layer& l) {
  const AttrReader& a = l.attrs();
  const Shape& data = l.shape(0);
  if (a.get_bool("preserve_shape", false) || a.get_bool("multi_output", false) || data.ndim() == 2) {
    set_int(l.add("Softmax", {l.in(0)}, l.out()), "axis", a.get_bool("preserve_shape", false) ? -1 : 1);
    return;
  }
  set_int(l.add("Flatten", {l.in(0)}, l.temp("flat")), "axis", 1);
  set_int(l.add("Softmax", {l.temp("flat")}, l.temp("softmax")), "axis", 1);
  std::vector<int64_t> dims = data.dims();
  dims[0] = 0;  // Reshape's 0 keeps the batch size, fixed or dynamic
  l.add("Reshape", {l.temp("softmax"), l.ints("shape", dims)}, l.out());
}

using Emitter = void (*)(const Layer&);

// Every operator of ops/registry.cpp, by its registered name.
const std::map<std::string, Emitter>& emitters() {
  static const std::map<std::string, Emitter> table = {
      {"Convolution", convolution}, {"FullyConnected", fully_connected}, {"BatchNorm", batch_norm},
      {"Pooling", pooling},         {"Activation", activation},          {"LeakyReLU", leaky_relu},
      {"clip", clip},               {"LRN", lrn},                        {"Dropout", dropout},
      {"Concat", concat},           {"Flatten", flatten},                {"elemwise_add", elemwise_add},
      {"_copy", identity},          {"SoftmaxOutput", softmax_output},
  };
  return table;
}

// --- Exporter ----------------------------------------------------------------

const Tensor* Exporter::find_parameter(const std::string& name) const {
  if (auto it = model_.arg_params.find(name); it != model_.arg_params.end()) return &it->second;
  if (auto it = model_.aux_params.find(name); it != model_.aux_params.end()) return &it->second;
  return nullptr;
}

std::string Exporter::value(const SymbolEntry& entry, const std::string& consumer) {
  const SymbolNode& node = *entry.node;
  if (!node.is_variable()) {
    if (entry.index != 0)
      fail("layer '", consumer, "' reads output ", entry.index, " of layer '", node.name, "' (", node.op,
           "); an exported model has only each layer's first output");
    return node_output_names(node)[0];
  }
  if (node.name == options_.data_name) return options_.data_name;
  const Tensor* param = find_parameter(node.name);
  if (!param)
    fail("layer '", consumer, "' reads '", node.name, "', which is neither the input '", options_.data_name,
         "' nor a parameter of the .params file");
  if (param->shape() != shape(entry))
    fail("parameter '", node.name, "' has shape ", param->shape().str(), " in the .params file, but layer '",
         consumer, "' needs ", shape(entry).str(), " for input shape ",
         Shape{options_.input.channels, options_.input.height, options_.input.width}.str(),
         ": is that the image shape the model was trained on?");
  if (!initializers_.count(node.name)) {
    const Tensor cpu = param->to(Device::cpu());
    initializer(node.name, cpu.shape(), cpu.f32());
    parameters_ += cpu.size();
  }
  return node.name;
}

const Shape& Exporter::shape(const SymbolEntry& entry) const {
  const std::string& name = entry.node->name;
  if (!entry.node->is_variable()) return layer_shape(name);
  if (auto it = shapes_.arguments.find(name); it != shapes_.arguments.end()) return it->second;
  return shapes_.aux_states.at(name);
}

void Exporter::initializer(const std::string& name, const Shape& shape, const float* values) {
  if (!initializers_.insert(name).second) return;
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : shape.dims()) t->add_dims(d);
  const int64_t count = shape.ndim() == 0 ? 1 : shape.size();  // no dimensions: a scalar
  // raw_data is little-endian, as this machine's floats are.
  t->set_raw_data(values, static_cast<size_t>(count) * sizeof(float));
}

void Exporter::int_initializer(const std::string& name, const std::vector<int64_t>& values) {
  FB_ASSERT(initializers_.insert(name).second);
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
}

onnx::NodeProto& Exporter::add_node(const std::string& name, const std::string& op_type,
                                    const std::vector<std::string>& inputs, const std::string& output) {
  FB_ASSERT(node_names_.insert(name).second);
  onnx::NodeProto* n = graph_.add_node();
  n->set_name(name);
  n->set_op_type(op_type);
  for (const auto& input : inputs) n->add_input(input);
  n->add_output(output);
  return *n;
}

void Exporter::add_input() {
  const InputFormat& f = options_.input;
  const Shape data{1, f.channels, f.height, f.width};
  input_ = {options_.include_preprocessing ? "pixels" : options_.data_name, data};
  set_value_info(*graph_.add_input(), input_.name, data, options_.dynamic_batch);
  if (!options_.include_preprocessing) return;
  // (pixels - mean[c]) / std[c], per channel, broadcast over (N, C, H, W).
  const Shape per_channel{1, f.channels, 1, 1};
  FB_ASSERT(static_cast<size_t>(f.channels) <= f.mean.size());
  initializer("preprocess/mean", per_channel, f.mean.data());
  initializer("preprocess/std", per_channel, f.std.data());
  add_node("preprocess/sub", "Sub", {"pixels", "preprocess/mean"}, "preprocess/centred");
  add_node("preprocess/div", "Div", {"preprocess/centred", "preprocess/std"}, options_.data_name);
}

void Exporter::add_outputs() {
  for (const SymbolEntry& entry : model_.symbol.outputs()) {
    const std::string name = value(entry, "the network's output");
    outputs_.push_back({name, shape(entry)});
    set_value_info(*graph_.add_output(), name, shape(entry), options_.dynamic_batch);
  }
}

void Exporter::run() {
  const InputFormat& f = options_.input;
  const auto arguments = model_.symbol.list_arguments();
  if (std::find(arguments.begin(), arguments.end(), options_.data_name) == arguments.end())
    fail("the network has no input named '", options_.data_name, "'");
  shapes_ = infer_shapes(model_.symbol, {{options_.data_name, Shape{1, f.channels, f.height, f.width}}});
  for (const auto& layer : shapes_.layers) layer_shapes_[layer.name] = layer.shape;

  add_input();
  for (const auto& node : model_.symbol.topo_order()) {
    if (node->is_variable()) continue;  // parameters become initializers where a layer reads them
    const std::string op = canonical_operator_name(node->op);
    const auto emitter = emitters().find(op);
    FB_ASSERT(emitter != emitters().end());  // every registered operator has one
    emitter->second(Layer(*this, *node, node_output_names(*node)[0]));
  }
  add_outputs();
}

}  // namespace

int max_onnx_opset() { return kMaxOpset; }

int max_checked_onnx_opset() {
  return std::min(kMaxOpset,
                  onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map().at(onnx::ONNX_DOMAIN).second);
}

OnnxExport export_onnx(const Checkpoint& model, const OnnxExportOptions& options) {
  if (options.opset < kMinOpset || options.opset > kMaxOpset)
    fail("opset ", options.opset, " is out of range: fitbench exports opsets ", kMinOpset, " to ", kMaxOpset);
  onnx::ModelProto proto;
  proto.set_ir_version(ir_version_for(options.opset));
  proto.set_producer_name("fitbench");
  proto.set_producer_version(FITBENCH_VERSION);
  onnx::OperatorSetIdProto* opset = proto.add_opset_import();
  opset->set_domain(onnx::ONNX_DOMAIN);
  opset->set_version(options.opset);
  onnx::GraphProto* graph = proto.mutable_graph();
  graph->set_name("fitbench");

  Exporter exporter(model, options, *graph);
  exporter.run();
  OnnxExport result;
  result.checked = options.opset <= max_checked_onnx_opset();
  try {
    if (result.checked) onnx::checker::check_model(proto);
  } catch (const onnx::checker::ValidationError& e) {
    throw InternalError(std::string("the exported model fails ONNX's checker (a fitbench bug): ") + e.what());
  }
  if (!proto.SerializeToString(&result.bytes)) fail("the ONNX model cannot be serialized (is it over 2 GB?)");
  result.opset = options.opset;
  result.nodes = graph->node_size();
  result.parameters = exporter.parameters();
  result.input = exporter.input();
  result.outputs = exporter.outputs();
  return result;
}

OnnxExport save_onnx(const std::string& path, const Checkpoint& model, const OnnxExportOptions& options) {
  OnnxExport result = export_onnx(model, options);
  write_file_atomically(path, result.bytes);
  return result;
}

}  // namespace fitbench
