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

namespace {

// Backward's buffers for the gradients of layer outputs ("slots"), planned
// once from the shapes by walking backward() with a pool that deals in sizes.
// A layer takes a slot for the gradient of each input (its first consumer in
// backward order writes it in place, a later one writes aside and adds) and
// gives back the slots of its own outputs and the aside ones when it is done.
// A free slot of at least the size asked, and at most twice it, is reused.
struct BackwardPlan {
  std::vector<int64_t> slot_floats;          // per slot
  std::vector<int> grad_slot;                // per entry: its gradient's slot; -1: none, or a parameter's own
  std::vector<bool> zero_first;              // per entry: no consumer writes its gradient, so it is zeroed
  std::vector<std::vector<int>> aside_slot;  // per node, per argument: a later consumer's slot; -1: none
  std::vector<size_t> unreached;             // parameter entries no layer writes: their gradient is zero
};

BackwardPlan plan_backward(const Graph& g, const std::vector<Shape>& shapes,
                           const std::vector<bool>& needs_grad, const std::vector<bool>& is_param) {
  BackwardPlan b;
  b.grad_slot.assign(g.num_entries, -1);
  b.zero_first.assign(g.num_entries, false);
  b.aside_slot.resize(g.nodes.size());
  std::multimap<int64_t, int> free;  // floats -> slot
  const auto take = [&](const Shape& shape) {
    const auto it = free.lower_bound(shape.size());
    if (it != free.end() && it->first <= shape.size() * 2) {
      const int slot = it->second;
      free.erase(it);
      return slot;
    }
    b.slot_floats.push_back(shape.size());
    return static_cast<int>(b.slot_floats.size() - 1);
  };
  const auto give_back = [&](int slot) {
    if (slot >= 0) free.emplace(b.slot_floats[static_cast<size_t>(slot)], slot);
  };
  std::vector<bool> written(g.num_entries, false);
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const Operator* op = g.ops[i].get();
    if (!op) continue;
    std::vector<int>& aside = b.aside_slot[i];
    aside.assign(g.num_arguments[i], -1);
    const size_t base = g.entry_base[i];
    const size_t outputs = static_cast<size_t>(op->num_outputs());
    if (!needs_grad[base]) continue;
    for (size_t k = 0; k < outputs; ++k)
      if (b.grad_slot[base + k] < 0 && !op->is_loss()) {  // no consumer (BatchNorm's mean and var)
        b.grad_slot[base + k] = take(shapes[base + k]);
        b.zero_first[base + k] = true;
      }
    for (size_t s = 0; s < g.num_arguments[i]; ++s) {
      const size_t e = g.input_entries[i][s];
      if (!needs_grad[e]) continue;
      if (written[e])
        aside[s] = take(shapes[e]);
      else if (!is_param[e])
        b.grad_slot[e] = take(shapes[e]);
      written[e] = true;
    }
    for (int slot : aside) give_back(slot);
    for (size_t k = 0; k < outputs; ++k) give_back(b.grad_slot[base + k]);
  }
  for (size_t e = 0; e < g.num_entries; ++e)
    if (is_param[e] && !written[e]) b.unreached.push_back(e);
  return b;
}

// Everything an Executor allocates, decided from the shapes alone: the
// Executor allocates from it, and executor_footprint() adds it up.
struct MemoryPlan {
  std::vector<Shape> shapes;  // per entry
  InferredShapes named;
  std::vector<std::string> param_names, aux_names;
  std::vector<bool> needs_grad;  // per entry: some parameter lies upstream
  BackwardPlan backward;
  size_t workspace_floats = 0;  // the Workspace keeps the largest request
  int64_t op_state_floats = 0;
};

MemoryPlan plan_memory(const Graph& g, const Symbol& symbol, const std::map<std::string, Shape>& inputs,
                       Device device) {
  MemoryPlan m;
  m.shapes = infer_entry_shapes(g, inputs);
  m.named = collect_shapes(g, symbol, m.shapes);
  for (const auto& name : symbol.list_arguments())
    if (!inputs.count(name)) m.param_names.push_back(name);
  m.aux_names = symbol.list_auxiliary_states();
  const std::set<std::string> params(m.param_names.begin(), m.param_names.end());
  std::vector<bool> is_param(g.num_entries, false);
  m.needs_grad.assign(g.num_entries, false);
  const DeviceScope scope(device);  // a GPU's convolution workspace is cuDNN's choice on that GPU
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const size_t base = g.entry_base[i];
    if (g.nodes[i]->is_variable()) {
      is_param[base] = m.needs_grad[base] = params.count(g.nodes[i]->name) > 0;
      continue;
    }
    bool upstream = false;
    std::vector<Shape> arguments;
    for (size_t s = 0; s < g.num_arguments[i]; ++s) {
      upstream = upstream || m.needs_grad[g.input_entries[i][s]];
      arguments.push_back(m.shapes[g.input_entries[i][s]]);
    }
    for (size_t k = 0; k < static_cast<size_t>(g.ops[i]->num_outputs()); ++k)
      m.needs_grad[base + k] = upstream;
    m.workspace_floats = std::max(m.workspace_floats, g.ops[i]->workspace_floats(arguments, device));
    m.op_state_floats += g.ops[i]->state_floats(arguments);
  }
  m.backward = plan_backward(g, m.shapes, m.needs_grad, is_param);
  return m;
}

// Floats of one buffer of packed views of `names` (carve's layout).
int64_t packed_floats(const std::vector<std::string>& names, const std::map<std::string, Shape>& shapes) {
  int64_t total = 0;
  for (const auto& n : names) total += padded_view_floats(shapes.at(n).size());
  return std::max<int64_t>(total, 1);
}

ExecutorFootprint footprint_of(const Graph& g, const MemoryPlan& m,
                               const std::map<std::string, Shape>& inputs) {
  constexpr int64_t f = sizeof(float);
  ExecutorFootprint fp;
  const auto array = [&](const std::string& what, const Shape& shape) {
    const int64_t bytes = shape.size() * f;
    if (bytes > fp.largest_bytes) fp.largest = what, fp.largest_shape = shape, fp.largest_bytes = bytes;
    return bytes;
  };
  for (const auto& [name, shape] : inputs)
    if (m.named.arguments.count(name)) fp.inputs += array("the input '" + name + "'", shape);
  for (const auto& name : m.param_names) {
    const Shape& shape = m.named.arguments.at(name);
    array("parameter '" + name + "'", shape);
    fp.param_sizes.push_back(shape.size());
  }
  fp.params = fp.grads = packed_floats(m.param_names, m.named.arguments) * f;
  fp.aux = packed_floats(m.aux_names, m.named.aux_states) * f;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!g.nodes[i]->is_variable())
      for (size_t k = 0; k < static_cast<size_t>(g.ops[i]->num_outputs()); ++k)
        fp.outputs += array("the output of layer '" + g.nodes[i]->name + "'", m.shapes[g.entry_base[i] + k]);
  for (int64_t floats : m.backward.slot_floats) fp.backward += floats * f;
  fp.workspace = static_cast<int64_t>(m.workspace_floats) * f;
  fp.op_state = m.op_state_floats * f;
  return fp;
}

// Views of one contiguous buffer, one per name, in order.
Tensor carve(const std::vector<std::string>& names, const std::map<std::string, Shape>& shapes,
             std::map<std::string, Tensor>& views, Device device) {
  Tensor buffer = Tensor::zeros(Shape{packed_floats(names, shapes)}, DType::Float32, device);
  size_t offset = 0;
  for (const auto& n : names) {
    views[n] = Tensor(buffer.storage(), offset, shapes.at(n), DType::Float32);
    offset += static_cast<size_t>(padded_view_floats(shapes.at(n).size())) * sizeof(float);
  }
  return buffer;
}

// Before anything is allocated, an Executor in main memory must fit there,
// or the Error names its largest array (a symbol file's num_filter 2000000000
// is that layer).
void check_fits_in_memory(const ExecutorFootprint& fp) {
  const int64_t free = available_memory();
  if (free < 0 || fp.total() <= free) return;
  fail("out of memory: this network needs ", human_bytes(double(fp.total())), " of main memory, and ",
       human_bytes(double(free)), " are available; the largest array is ", fp.largest, " of shape ",
       fp.largest_shape.str(), " (", human_bytes(double(fp.largest_bytes)),
       "); use a smaller batch or smaller layers");
}

}  // namespace

ExecutorFootprint executor_footprint(const Symbol& symbol, const std::map<std::string, Shape>& inputs,
                                     Device device) {
  const Graph g(symbol);
  return footprint_of(g, plan_memory(g, symbol, inputs, device), inputs);
}

struct Executor::Plan {
  Plan(const Symbol& symbol, Device device) : graph(symbol), device(device), workspace(device) {}
  // Backward's slots, allocated at the first backward (an executor that only
  // predicts never needs them), and the views of them backward writes through.
  void bind_backward();

  Graph graph;
  Device device;
  MemoryPlan memory;
  std::vector<Tensor> values;              // per entry: forward value (views for variables)
  std::vector<Tensor> grads;               // per entry: its gradient (a parameter's, or a view of a slot)
  std::vector<std::vector<Tensor>> aside;  // per node, per argument: a view of its aside slot
  std::vector<Tensor> slots;
  bool backward_bound = false;
  Workspace workspace;
};

void Executor::Plan::bind_backward() {
  const BackwardPlan& b = memory.backward;
  for (int64_t floats : b.slot_floats) slots.emplace_back(Shape{floats}, DType::Float32, device);
  const auto view = [&](int slot, size_t entry) {
    if (slot < 0) return Tensor();
    return Tensor(slots[static_cast<size_t>(slot)].storage(), 0, memory.shapes[entry], DType::Float32);
  };
  for (size_t e = 0; e < graph.num_entries; ++e)
    if (b.grad_slot[e] >= 0) grads[e] = view(b.grad_slot[e], e);
  aside.resize(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (size_t s = 0; s < b.aside_slot[i].size(); ++s)
      aside[i].push_back(view(b.aside_slot[i][s], graph.input_entries[i][s]));
  backward_bound = true;
}

Executor::Executor(const Symbol& symbol, const std::map<std::string, Shape>& inputs, uint64_t seed,
                   Device device)
    : device_(device), plan_(std::make_unique<Plan>(symbol, device)), rng_(seed) {
  Plan& p = *plan_;
  const Graph& g = p.graph;
  p.memory = plan_memory(g, symbol, inputs, device);
  if (device.is_cpu()) check_fits_in_memory(footprint_of(g, p.memory, inputs));
  shapes_ = p.memory.named;
  param_names_ = p.memory.param_names;
  aux_names_ = p.memory.aux_names;
  param_buffer_ = carve(param_names_, shapes_.arguments, params_, device);
  grad_buffer_ = carve(param_names_, shapes_.arguments, grads_, device);
  aux_buffer_ = carve(aux_names_, shapes_.aux_states, aux_, device);
  for (const auto& [name, shape] : inputs)
    if (shapes_.arguments.count(name)) inputs_[name] = Tensor::zeros(shape, DType::Float32, device);

  p.values.resize(g.num_entries);
  p.grads.resize(g.num_entries);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const auto& n = *g.nodes[i];
    const size_t base = g.entry_base[i];
    if (n.is_variable()) {
      if (params_.count(n.name)) {
        p.values[base] = params_.at(n.name);
        p.grads[base] = grads_.at(n.name);
      } else if (aux_.count(n.name)) {
        p.values[base] = aux_.at(n.name);
      } else {
        p.values[base] = inputs_.at(n.name);
      }
      continue;
    }
    for (size_t k = 0; k < static_cast<size_t>(g.ops[i]->num_outputs()); ++k)
      p.values[base + k] = Tensor::zeros(p.memory.shapes[base + k], DType::Float32, device);
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
    for (size_t s = 0; s < ins.size(); ++s)
      (s < g.num_arguments[i] ? in : aux).push_back(plan_->values[ins[s]]);
    for (int k = 0; k < g.ops[i]->num_outputs(); ++k)
      out.push_back(plan_->values[g.entry_base[i] + static_cast<size_t>(k)]);
    g.ops[i]->forward(ctx, in, out, aux);
    if (monitor_) {
      const auto& names = g.output_names[i];
      for (size_t k = 0; k < names.size(); ++k) monitor_(names[k], out[k]);
    }
  }
}

void Executor::backward() {
  const DeviceScope scope(device_);
  Plan& p = *plan_;
  if (!p.backward_bound) p.bind_backward();
  const Graph& g = p.graph;
  const BackwardPlan& b = p.memory.backward;
  OpContext ctx{true, &rng_, &p.workspace};
  std::vector<Tensor> out_grad, in, out, in_grad, aux;
  std::vector<GradReq> req;
  for (size_t i = g.nodes.size(); i-- > 0;) {
    Operator* op = g.ops[i].get();
    if (!op) continue;
    const size_t base = g.entry_base[i];
    if (!p.memory.needs_grad[base]) continue;
    const auto& ins = g.input_entries[i];
    out_grad.clear(), in.clear(), out.clear(), in_grad.clear(), aux.clear(), req.clear();
    for (size_t k = 0; k < static_cast<size_t>(op->num_outputs()); ++k) {
      const size_t e = base + k;
      out.push_back(p.values[e]);
      if (b.zero_first[e]) p.grads[e].zero();
      out_grad.push_back(p.grads[e]);
    }
    for (size_t s = 0; s < ins.size(); ++s) {
      const size_t e = ins[s];
      if (s >= g.num_arguments[i]) {
        aux.push_back(p.values[e]);
        continue;
      }
      in.push_back(p.values[e]);
      const bool wanted = p.memory.needs_grad[e];
      req.push_back(wanted ? GradReq::Write : GradReq::Null);
      in_grad.push_back(!wanted ? Tensor() : p.aside[i][s].defined() ? p.aside[i][s] : p.grads[e]);
    }
    op->backward(ctx, out_grad, in, out, in_grad, req, aux);
    // A later consumer of an entry wrote aside: add that to what the first one wrote.
    for (size_t s = 0; s < g.num_arguments[i]; ++s)
      if (p.aside[i][s].defined()) add_into(p.grads[ins[s]], p.aside[i][s]);
  }
  // Parameters no layer reached (unused by the loss) keep a zero gradient.
  for (size_t e : b.unreached) p.grads[e].zero();
}

}  // namespace fitbench
