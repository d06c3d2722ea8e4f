#include "fitbench/executor.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "gpu/gpu_backend.h"
#include "graph/add_into.h"
#include "tensor/memory.h"

namespace fitbench {

namespace {

// The graph flattened into arrays: node i's outputs are entries
// entry_base[i] .. entry_base[i] + num_outputs - 1.
struct Graph {
  std::vector<std::shared_ptr<SymbolNode>> nodes;
  std::vector<std::unique_ptr<Operator>> ops;  // null for variables
  std::vector<size_t> entry_base;
  std::vector<size_t> num_arguments;           // inputs before the aux states
  std::vector<std::vector<size_t>> input_entries;
  std::vector<std::vector<std::string>> output_names;  // "<layer>_output", for the monitor
  std::vector<size_t> head_entries;
  size_t num_entries = 0;

  explicit Graph(const Symbol& symbol) : nodes(symbol.topo_order()) {
    std::unordered_map<const SymbolNode*, size_t> index;
    for (size_t i = 0; i < nodes.size(); ++i) {
      index[nodes[i].get()] = i;
      const auto& n = *nodes[i];
      entry_base.push_back(num_entries);
      if (n.is_variable()) {
        ops.emplace_back();
        num_arguments.push_back(0);
        num_entries += 1;
      } else {
        ops.push_back(create_operator(n.op, n.attrs));
        num_arguments.push_back(ops.back()->arguments().size());
        num_entries += static_cast<size_t>(ops.back()->num_outputs());
      }
      std::vector<size_t> ins;
      for (const auto& e : n.inputs) ins.push_back(entry_base[index.at(e.node.get())] + static_cast<size_t>(e.index));
      input_entries.push_back(std::move(ins));
      output_names.push_back(node_output_names(n));
    }
    for (const auto& h : symbol.outputs()) head_entries.push_back(entry_base[index.at(h.node.get())] + static_cast<size_t>(h.index));
  }
};

std::vector<std::string> input_names(const Operator& op) {
  auto names = op.arguments();
  for (const auto& a : op.aux_states()) names.push_back(a);
  return names;
}

// Shapes of every entry; throws Error naming the layer at fault.
std::vector<Shape> infer_entry_shapes(const Graph& g, const std::map<std::string, Shape>& known) {
  std::vector<Shape> shapes(g.num_entries);
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i]->is_variable()) {
      auto it = known.find(g.nodes[i]->name);
      if (it != known.end()) shapes[g.entry_base[i]] = it->second;
    }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const auto& node = *g.nodes[i];
    if (node.is_variable()) continue;
    const Operator& op = *g.ops[i];
    const auto names = input_names(op);
    const auto layer = [&] { return detail::concat("layer '", node.name, "' (", node.op, ")"); };
    std::vector<Shape> in, aux;
    for (size_t s = 0; s < g.input_entries[i].size(); ++s)
      (s < g.num_arguments[i] ? in : aux).push_back(shapes[g.input_entries[i][s]]);
    std::vector<Shape> out(static_cast<size_t>(op.num_outputs()));
    const auto given_in = in;
    const auto given_aux = aux;
    try {
      op.infer_shape(in, out, aux);
    } catch (const Error& e) {
      fail(layer(), ": ", e.what());
    }
    for (size_t s = 0; s < g.input_entries[i].size(); ++s) {
      const bool is_aux = s >= g.num_arguments[i];
      const Shape& given = is_aux ? given_aux[s - g.num_arguments[i]] : given_in[s];
      const Shape& inferred = is_aux ? aux[s - g.num_arguments[i]] : in[s];
      const size_t e = g.input_entries[i][s];
      if (!inferred.known())
        fail(layer(), ": the shape of input '", names[s], "' is unknown; give the shape of the data");
      if (given.known() && given != inferred)
        fail(layer(), ": input '", names[s], "' has shape ", given.str(), " but the layer expects ",
             inferred.str());
      shapes[e] = inferred;
    }
    for (size_t k = 0; k < out.size(); ++k) shapes[g.entry_base[i] + k] = out[k];
  }
  return shapes;
}

// The named view of the entry shapes of `g`, the graph of `symbol`.
InferredShapes collect_shapes(const Graph& g, const Symbol& symbol, const std::vector<Shape>& shapes) {
  InferredShapes result;
  std::set<std::string> aux_names;
  for (const auto& a : symbol.list_auxiliary_states()) aux_names.insert(a);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const auto& n = *g.nodes[i];
    if (n.is_variable()) {
      const Shape& s = shapes[g.entry_base[i]];
      if (!s.known()) fail("the shape of '", n.name, "' could not be inferred: it is not used by any layer");
      (aux_names.count(n.name) ? result.aux_states : result.arguments)[n.name] = s;
    } else {
      result.layers.push_back({n.name, n.op, shapes[g.entry_base[i]]});
    }
  }
  for (size_t e : g.head_entries) result.outputs.push_back(shapes[e]);
  return result;
}

}  // namespace

InferredShapes infer_shapes(const Symbol& symbol, const std::map<std::string, Shape>& inputs) {
  const Graph g(symbol);
  return collect_shapes(g, symbol, infer_entry_shapes(g, inputs));
}

struct Executor::Plan {
  Plan(const Symbol& symbol, Device device) : graph(symbol), device(device), workspace(device) {}
  Graph graph;
  Device device;
  std::vector<Tensor> values;       // per entry: forward value (views for variables)
  std::vector<bool> needs_grad;     // per entry: some parameter lies upstream
  std::vector<Tensor> param_grads;  // per entry: gradient target of a parameter variable
  std::vector<Tensor> grads;        // per entry: gradient being accumulated during backward
  std::multimap<int64_t, Tensor> pool;
  Workspace workspace;

  Tensor take(const Shape& shape) {
    auto it = pool.lower_bound(shape.size());
    if (it != pool.end() && it->first <= shape.size() * 2) {
      Tensor t = it->second;
      pool.erase(it);
      return Tensor(t.storage(), t.offset(), shape, DType::Float32);
    }
    return Tensor(shape, DType::Float32, device);
  }
  void give_back(Tensor t) {
    if (t.defined()) pool.emplace(static_cast<int64_t>(t.storage()->bytes() / sizeof(float)), std::move(t));
  }
};

namespace {

// Views of one contiguous buffer, one per name, in order.
Tensor carve(const std::vector<std::string>& names, const std::map<std::string, Shape>& shapes,
             std::map<std::string, Tensor>& views, Device device) {
  int64_t total = 0;
  for (const auto& n : names) total += padded_view_floats(shapes.at(n).size());
  Tensor buffer = Tensor::zeros(Shape{std::max<int64_t>(total, 1)}, DType::Float32, device);
  size_t offset = 0;
  for (const auto& n : names) {
    views[n] = Tensor(buffer.storage(), offset, shapes.at(n), DType::Float32);
    offset += static_cast<size_t>(padded_view_floats(shapes.at(n).size())) * sizeof(float);
  }
  return buffer;
}

// Before anything is allocated: the parameters, their gradients, the aux
// states and the layer outputs must fit in main memory, or the Error names the
// largest of them (a symbol file's num_filter 2000000000 is that layer).
void check_fits_in_memory(const Graph& g, const std::vector<Shape>& shapes, const std::map<std::string, Shape>& inputs,
                          Device device) {
  if (!device.is_cpu()) return;  // the GPU allocator says so itself, per device
  const int64_t free = available_memory();
  if (free < 0) return;
  double total = 0, largest = 0;
  std::string largest_name;
  Shape largest_shape;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const auto& n = *g.nodes[i];
    const size_t outputs = n.is_variable() ? 1 : static_cast<size_t>(g.ops[i]->num_outputs());
    for (size_t k = 0; k < outputs; ++k) {
      const Shape& s = shapes[g.entry_base[i] + k];
      const bool input = n.is_variable() && inputs.count(n.name);
      // A parameter has its gradient beside it (aux states are counted alike: they are small).
      const double bytes = double(s.size()) * sizeof(float) * (n.is_variable() && !input ? 2 : 1);
      total += bytes;
      if (bytes > largest) {
        largest = bytes;
        largest_name = input               ? "the input '" + n.name + "'"
                       : n.is_variable() ? "parameter '" + n.name + "' with its gradient"
                                         : "the output of layer '" + n.name + "'";
        largest_shape = s;
      }
    }
  }
  if (total > double(free))
    fail("out of memory: this network needs at least ", human_bytes(total), " of main memory, and ",
         human_bytes(double(free)), " are available; the largest part is ", largest_name, " of shape ",
         largest_shape.str(), "; lower --batch-size, or the sizes of the network's layers");
}

}  // namespace

Executor::Executor(const Symbol& symbol, const std::map<std::string, Shape>& inputs, uint64_t seed, Device device)
    : device_(device), plan_(std::make_unique<Plan>(symbol, device)), rng_(seed) {
  const Graph& g = plan_->graph;
  const auto entry_shapes = infer_entry_shapes(g, inputs);
  shapes_ = collect_shapes(g, symbol, entry_shapes);
  check_fits_in_memory(g, entry_shapes, inputs, device);
  for (const auto& name : symbol.list_arguments())
    if (!inputs.count(name)) param_names_.push_back(name);
  aux_names_ = symbol.list_auxiliary_states();
  param_buffer_ = carve(param_names_, shapes_.arguments, params_, device);
  grad_buffer_ = carve(param_names_, shapes_.arguments, grads_, device);
  aux_buffer_ = carve(aux_names_, shapes_.aux_states, aux_, device);
  for (const auto& [name, shape] : inputs)
    if (shapes_.arguments.count(name)) inputs_[name] = Tensor::zeros(shape, DType::Float32, device);

  plan_->values.resize(g.num_entries);
  plan_->needs_grad.assign(g.num_entries, false);
  plan_->param_grads.resize(g.num_entries);
  plan_->grads.resize(g.num_entries);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const auto& n = *g.nodes[i];
    const size_t base = g.entry_base[i];
    if (n.is_variable()) {
      if (params_.count(n.name)) {
        plan_->values[base] = params_.at(n.name);
        plan_->param_grads[base] = grads_.at(n.name);
        plan_->needs_grad[base] = true;
      } else if (aux_.count(n.name)) {
        plan_->values[base] = aux_.at(n.name);
      } else {
        plan_->values[base] = inputs_.at(n.name);
      }
      continue;
    }
    bool upstream = false;
    for (size_t s = 0; s < g.num_arguments[i]; ++s) upstream = upstream || plan_->needs_grad[g.input_entries[i][s]];
    for (int k = 0; k < g.ops[i]->num_outputs(); ++k) {
      plan_->values[base + static_cast<size_t>(k)] =
          Tensor::zeros(entry_shapes[base + static_cast<size_t>(k)], DType::Float32, device);
      plan_->needs_grad[base + static_cast<size_t>(k)] = upstream;
    }
  }
}

Executor::~Executor() = default;

namespace {
const Tensor& lookup(const std::map<std::string, Tensor>& m, const std::string& name, const char* what) {
  auto it = m.find(name);
  if (it == m.end()) fail("the network has no ", what, " named '", name, "'");
  return it->second;
}
}  // namespace

const Tensor& Executor::input(const std::string& name) const { return lookup(inputs_, name, "input"); }
const Tensor& Executor::param(const std::string& name) const { return lookup(params_, name, "parameter"); }
const Tensor& Executor::grad(const std::string& name) const { return lookup(grads_, name, "parameter"); }
const Tensor& Executor::aux(const std::string& name) const { return lookup(aux_, name, "auxiliary state"); }

size_t Executor::num_outputs() const { return plan_->graph.head_entries.size(); }
const Tensor& Executor::output(size_t index) const {
  return plan_->values.at(plan_->graph.head_entries.at(index));
}

void Executor::forward(bool is_train) {
  const DeviceScope scope(device_);
  Graph& g = plan_->graph;
  OpContext ctx{is_train, &rng_, &plan_->workspace};
  std::vector<Tensor> in, out, aux;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!g.ops[i]) continue;
    in.clear(), out.clear(), aux.clear();
    const auto& ins = g.input_entries[i];
    for (size_t s = 0; s < ins.size(); ++s) (s < g.num_arguments[i] ? in : aux).push_back(plan_->values[ins[s]]);
    for (int k = 0; k < g.ops[i]->num_outputs(); ++k) out.push_back(plan_->values[g.entry_base[i] + static_cast<size_t>(k)]);
    g.ops[i]->forward(ctx, in, out, aux);
    if (monitor_) {
      const auto& names = g.output_names[i];
      for (size_t k = 0; k < names.size(); ++k) monitor_(names[k], out[k]);
    }
  }
}

void Executor::backward() {
  const DeviceScope scope(device_);
  Graph& g = plan_->graph;
  Plan& p = *plan_;
  OpContext ctx{true, &rng_, &p.workspace};
  std::vector<bool> written(g.num_entries, false);
  std::vector<Tensor> out_grad, in, out, in_grad, aux, scratch;
  std::vector<GradReq> req;
  for (size_t i = g.nodes.size(); i-- > 0;) {
    Operator* op = g.ops[i].get();
    if (!op) continue;
    const size_t base = g.entry_base[i];
    if (!p.needs_grad[base]) continue;
    const auto& ins = g.input_entries[i];
    out_grad.clear(), in.clear(), out.clear(), in_grad.clear(), aux.clear(), scratch.clear(), req.clear();
    for (int k = 0; k < op->num_outputs(); ++k) {
      const size_t e = base + static_cast<size_t>(k);
      out.push_back(p.values[e]);
      if (!p.grads[e].defined() && !op->is_loss()) {
        // No consumer produced a gradient for this output (BatchNorm's mean/var).
        p.grads[e] = p.take(p.values[e].shape());
        p.grads[e].zero();
      }
      out_grad.push_back(p.grads[e]);
    }
    for (size_t s = 0; s < ins.size(); ++s) {
      const size_t e = ins[s];
      if (s >= g.num_arguments[i]) {
        aux.push_back(p.values[e]);
        continue;
      }
      in.push_back(p.values[e]);
      if (!p.needs_grad[e]) {
        in_grad.emplace_back();
        req.push_back(GradReq::Null);
        scratch.emplace_back();
        continue;
      }
      req.push_back(GradReq::Write);
      Tensor& target = p.param_grads[e].defined() ? p.param_grads[e] : p.grads[e];
      if (!written[e]) {
        if (!target.defined()) target = p.take(p.values[e].shape());
        in_grad.push_back(target);
        scratch.emplace_back();
        written[e] = true;
      } else {
        // A second consumer of the same entry: write aside, then add.
        Tensor tmp = p.take(p.values[e].shape());
        in_grad.push_back(tmp);
        scratch.push_back(tmp);
      }
    }
    op->backward(ctx, out_grad, in, out, in_grad, req, aux);
    for (size_t s = 0; s < g.num_arguments[i]; ++s) {
      if (!scratch[s].defined()) continue;
      const size_t e = ins[s];
      add_into(p.param_grads[e].defined() ? p.param_grads[e] : p.grads[e], scratch[s]);
      p.give_back(scratch[s]);
    }
    for (int k = 0; k < op->num_outputs(); ++k) {
      Tensor& gk = p.grads[base + static_cast<size_t>(k)];
      p.give_back(gk);
      gk = Tensor();
    }
  }
  // Parameters no layer reached (unused by the loss) keep a zero gradient.
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i]->is_variable() && p.param_grads[g.entry_base[i]].defined() && !written[g.entry_base[i]])
      p.param_grads[g.entry_base[i]].zero();
}

}  // namespace fitbench
