// Symbol: composition, MXNet's JSON format (writing byte for byte as 1.9,
// reading 0.x to 1.9), and the classifier surgery of fine-tuning.
#include "fitbench/symbol.h"

#include <cctype>
#include <functional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "fitbench/attr_reader.h"
#include "fitbench/file_util.h"

namespace fitbench {

namespace {

thread_local NameScope* active_scope = nullptr;

// MXNet's BatchNorm tags its moving statistics with their initial values.
void add_aux_init_attr(const std::string& aux_name, Attrs& attrs) {
  if (aux_name == "moving_mean") attrs["__init__"] = "[\"zero\", {}]";
  if (aux_name == "moving_var") attrs["__init__"] = "[\"one\", {}]";
}

// Arguments, aux states and output count of an operator node.
struct OpSignature {
  size_t num_arguments = 0;
  size_t num_aux = 0;
  int num_outputs = 1;
  int num_visible = 1;
};

OpSignature signature_of(const SymbolNode& node) {
  if (node.is_variable()) return {};
  auto op = create_operator(node.op, node.attrs);
  return {op->arguments().size(), op->aux_states().size(), op->num_outputs(), op->num_visible_outputs()};
}

// The outputs MXNet 1.9.1's wheel counts for `node` in node_row_ptr, where
// two operators have a hidden output fitbench keeps elsewhere: Dropout's mask,
// and the workspace its oneDNN Pooling keeps for max pooling over a 1-D to 3-D
// kernel in a channels-first layout (GetNumOutputs in
// src/operator/nn/pooling.cc). Every other operator counts the outputs it has.
int mxnet_row_outputs(const SymbolNode& node, const OpSignature& sig) {
  const std::string op = canonical_operator_name(node.op);
  if (op == "Dropout") return 2;
  if (op != "Pooling") return sig.num_outputs;
  const AttrReader attrs("Pooling", node.attrs);
  const size_t kernel_dims = attrs.get_tuple("kernel", {}).size();
  const std::string layout = attrs.get_string("layout", "NCHW");
  const bool channels_first = layout == "NCW" || layout == "NCHW" || layout == "NCDHW";
  return attrs.get_string("pool_type", "max") == "max" && kernel_dims >= 1 && kernel_dims <= 3 && channels_first
             ? 2
             : 1;
}

// dmlc::JSONWriter's string escaping.
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

// An attribute map as dmlc writes it: one entry inline, more on their own lines.
std::string write_attrs(const Attrs& attrs, const std::string& indent) {
  std::ostringstream os;
  if (attrs.size() == 1) {
    os << "{" << quote(attrs.begin()->first) << ": " << quote(attrs.begin()->second) << "}";
    return os.str();
  }
  os << "{";
  bool first = true;
  for (const auto& [k, v] : attrs) {
    os << (first ? "" : ", ") << "\n" << indent << "  " << quote(k) << ": " << quote(v);
    first = false;
  }
  os << "\n" << indent << "}";
  return os.str();
}

// An array as dmlc writes it: more than ten items go on their own lines.
std::string write_array(const std::vector<std::string>& items, const std::string& indent) {
  std::string out = "[";
  const bool multi_line = items.size() > 10;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    if (multi_line) out += "\n" + indent + "  ";
    out += items[i];
  }
  if (multi_line) out += "\n" + indent;
  return out + "]";
}

}  // namespace

NameScope::NameScope() : previous_(active_scope) { active_scope = this; }
NameScope::~NameScope() { active_scope = previous_; }

std::string NameScope::next(const std::string& op) {
  std::string hint;
  for (char c : op) hint += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static thread_local std::map<std::string, int> process_counters;  // when no scope is active
  auto& counters = active_scope ? active_scope->counters_ : process_counters;
  return hint + std::to_string(counters[hint]++);
}

Symbol Symbol::variable(const std::string& name, Attrs attrs) {
  auto node = std::make_shared<SymbolNode>();
  node->op = "null";
  node->name = name;
  node->attrs = std::move(attrs);
  Symbol s;
  s.outputs_.push_back({node, 0});
  return s;
}

Symbol Symbol::create(const std::string& op_name, const std::string& name, const std::vector<Symbol>& inputs,
                      const Attrs& attrs) {
  auto op = create_operator(op_name, attrs);  // validates the name and attributes
  auto node = std::make_shared<SymbolNode>();
  node->op = canonical_operator_name(op_name);
  node->name = name.empty() ? NameScope::next(op_name) : name;
  node->attrs = attrs;
  const auto args = op->arguments();
  const auto aux = op->aux_states();
  if (inputs.size() > args.size())
    fail("operator ", node->op, " '", node->name, "' takes ", args.size(), " inputs, got ", inputs.size());
  for (const auto& in : inputs) {
    if (in.outputs_.size() != 1)
      fail("operator ", node->op, " '", node->name, "': an input must have exactly one output");
    node->inputs.push_back(in.outputs_[0]);
  }
  for (size_t i = inputs.size(); i < args.size(); ++i)
    node->inputs.push_back(variable(node->name + "_" + args[i], attrs).outputs_[0]);
  for (const auto& a : aux) {
    Attrs var_attrs = attrs;
    add_aux_init_attr(a, var_attrs);
    node->inputs.push_back(variable(node->name + "_" + a, var_attrs).outputs_[0]);
  }
  Symbol s;
  for (int i = 0; i < op->num_visible_outputs(); ++i) s.outputs_.push_back({node, i});
  return s;
}

Symbol operator+(const Symbol& a, const Symbol& b) { return Symbol::create("_Plus", "", {a, b}); }

std::string Symbol::name() const {
  FB_ASSERT(outputs_.size() == 1);
  return outputs_[0].node->name;
}

std::vector<std::shared_ptr<SymbolNode>> Symbol::topo_order() const {
  std::vector<std::shared_ptr<SymbolNode>> order;
  std::unordered_set<const SymbolNode*> visited;
  // Iterative post-order: (node, next input to visit).
  std::vector<std::pair<std::shared_ptr<SymbolNode>, size_t>> stack;
  for (const auto& head : outputs_) {
    if (visited.count(head.node.get())) continue;
    visited.insert(head.node.get());
    stack.push_back({head.node, 0});
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->inputs.size()) {
        const auto& child = node->inputs[next++].node;
        if (visited.insert(child.get()).second) stack.push_back({child, 0});
      } else {
        order.push_back(node);
        stack.pop_back();
      }
    }
  }
  return order;
}

namespace {

// Variables used as auxiliary states anywhere in the graph.
std::unordered_set<const SymbolNode*> aux_variables(const std::vector<std::shared_ptr<SymbolNode>>& order) {
  std::unordered_set<const SymbolNode*> aux;
  for (const auto& n : order) {
    if (n->is_variable()) continue;
    const auto sig = signature_of(*n);
    for (size_t i = sig.num_arguments; i < n->inputs.size(); ++i) aux.insert(n->inputs[i].node.get());
  }
  return aux;
}

}  // namespace

std::vector<std::string> Symbol::list_arguments() const {
  const auto order = topo_order();
  const auto aux = aux_variables(order);
  std::vector<std::string> names;
  for (const auto& n : order)
    if (n->is_variable() && !aux.count(n.get())) names.push_back(n->name);
  return names;
}

std::vector<std::string> Symbol::list_auxiliary_states() const {
  const auto order = topo_order();
  const auto aux = aux_variables(order);
  std::vector<std::string> names;
  for (const auto& n : order)
    if (aux.count(n.get())) names.push_back(n->name);
  return names;
}

std::vector<std::string> node_output_names(const SymbolNode& node) {
  if (node.is_variable()) return {node.name};
  const auto sig = signature_of(node);
  if (sig.num_visible == 1) return {node.name + "_output"};
  std::vector<std::string> names;
  for (int i = 0; i < sig.num_visible; ++i) names.push_back(node.name + "_output" + std::to_string(i));
  return names;
}

std::vector<std::string> Symbol::list_outputs() const {
  std::vector<std::string> names;
  for (const auto& e : outputs_) {
    auto all = node_output_names(*e.node);
    names.push_back(all.size() == 1 ? all[0] : all[static_cast<size_t>(e.index)]);
  }
  return names;
}

std::string Symbol::to_json() const {
  const auto order = topo_order();
  std::unordered_map<const SymbolNode*, size_t> index;
  for (size_t i = 0; i < order.size(); ++i) index[order[i].get()] = i;
  std::ostringstream os;
  os << "{\n  \"nodes\": [";
  std::vector<std::string> arg_nodes;
  std::vector<std::string> row_ptr{"0"};
  int outputs = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& n = *order[i];
    const auto sig = signature_of(n);
    os << (i ? ", " : "") << "\n    {\n      \"op\": " << quote(n.op) << ", \n      \"name\": " << quote(n.name)
       << ", \n";
    if (!n.attrs.empty()) os << "      \"attrs\": " << write_attrs(n.attrs, "      ") << ", \n";
    std::vector<std::string> inputs;
    for (size_t j = 0; j < n.inputs.size(); ++j) {
      // MXNet bumps the version of variables an operator mutates (aux states).
      const int version = j >= sig.num_arguments && !n.is_variable() ? 1 : 0;
      inputs.push_back("[" + std::to_string(index.at(n.inputs[j].node.get())) + ", " +
                       std::to_string(n.inputs[j].index) + ", " + std::to_string(version) + "]");
    }
    os << "      \"inputs\": " << write_array(inputs, "      ") << "\n    }";
    if (n.is_variable()) arg_nodes.push_back(std::to_string(i));
    outputs += n.is_variable() ? 1 : mxnet_row_outputs(n, sig);
    row_ptr.push_back(std::to_string(outputs));
  }
  std::vector<std::string> heads;
  for (const auto& h : outputs_)
    heads.push_back("[" + std::to_string(index.at(h.node.get())) + ", " + std::to_string(h.index) + ", 0]");
  os << "\n  ], \n  \"arg_nodes\": " << write_array(arg_nodes, "  ") << ", \n  \"node_row_ptr\": "
     << write_array(row_ptr, "  ") << ", \n  \"heads\": " << write_array(heads, "  ")
     << ", \n  \"attrs\": {\"mxnet_version\": [\"int\", 10901]}\n}";
  return os.str();
}

Symbol Symbol::from_json(const std::string& text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(source, ": not valid JSON (", e.what(), ")");
  }
  if (!j.is_object() || !j.contains("nodes") || !j["nodes"].is_array() || !j.contains("heads"))
    fail(source, ": not an MXNet symbol file (expected \"nodes\" and \"heads\")");
  std::vector<std::shared_ptr<SymbolNode>> nodes;
  std::vector<int> num_outputs;  // per node
  auto entry = [&](const nlohmann::json& e, const std::string& where) {
    if (!e.is_array() || e.size() < 2 || !e[0].is_number_integer() || !e[1].is_number_integer())
      fail(source, ": ", where, " has a malformed input entry ", e.dump());
    const auto id = e[0].get<int64_t>();
    if (id < 0 || static_cast<size_t>(id) >= nodes.size())
      fail(source, ": ", where, " refers to node ", id, " which does not come before it");
    const auto& node = nodes[static_cast<size_t>(id)];
    const auto index = e[1].get<int64_t>();
    const int outputs = num_outputs[static_cast<size_t>(id)];
    if (index < 0 || index >= outputs)
      fail(source, ": ", where, " refers to output ", index, " of node '", node->name, "', which has ",
           outputs, outputs == 1 ? " output" : " outputs");
    return SymbolEntry{node, static_cast<int>(index)};
  };
  try {
    for (const auto& jn : j["nodes"]) {
      auto node = std::make_shared<SymbolNode>();
      node->op = jn.at("op").get<std::string>();
      node->name = jn.at("name").get<std::string>();
      // 1.x writes "attrs"; 0.x wrote "param" (operator) and "attr" (user).
      // Before 0.9.5 the hidden keys went without their "__" (MXNet's upgrade adds it).
      static const std::set<std::string> hidden{"ctx_group", "lr_mult", "wd_mult", "force_mirroring", "mirror_stage"};
      for (const char* key : {"param", "attr", "attrs"})
        if (jn.contains(key))
          for (const auto& [k, v] : jn[key].items())
            node->attrs[hidden.count(k) ? "__" + k + "__" : k] = v.is_string() ? v.get<std::string>() : v.dump();
      const std::string where = "node '" + node->name + "'";
      for (const auto& e : jn.value("inputs", nlohmann::json::array())) node->inputs.push_back(entry(e, where));
      int outputs = 1;
      if (!node->is_variable()) {
        try {
          const auto op = create_operator(node->op, node->attrs);
          // Before MXNet 0.9 the moving statistics were no graph inputs; its
          // JSON upgrade adds them as variables named after the node.
          if (node->inputs.size() == op->arguments().size())
            for (const auto& a : op->aux_states()) {
              Attrs var_attrs;
              add_aux_init_attr(a, var_attrs);
              node->inputs.push_back(Symbol::variable(node->name + "_" + a, var_attrs).outputs_[0]);
            }
          const auto sig = signature_of(*node);
          outputs = sig.num_outputs;
          const size_t expected = sig.num_arguments + sig.num_aux;
          if (node->inputs.size() != expected)
            fail("has ", node->inputs.size(), " inputs but ", node->op, " takes ", expected);
          node->op = canonical_operator_name(node->op);
        } catch (const Error& e) {
          fail(source, ": ", where, " (", node->op, "): ", e.what());
        }
      }
      nodes.push_back(node);
      num_outputs.push_back(outputs);
    }
    Symbol s;
    for (const auto& h : j["heads"]) s.outputs_.push_back(entry(h, "heads"));
    if (s.outputs_.empty()) fail(source, ": the symbol has no outputs (\"heads\" is empty)");
    return s;
  } catch (const nlohmann::json::exception& e) {
    fail(source, ": malformed symbol (", e.what(), ")");
  }
}

Symbol Symbol::load(const std::string& path) { return from_json(read_file(path), path); }

void Symbol::save(const std::string& path) const { write_file_atomically(path, to_json()); }

Symbol Symbol::deep_copy() const {
  std::unordered_map<const SymbolNode*, std::shared_ptr<SymbolNode>> copies;
  for (const auto& n : topo_order()) {  // inputs come before their users
    auto c = std::make_shared<SymbolNode>(*n);
    for (auto& in : c->inputs) in.node = copies.at(in.node.get());
    copies[n.get()] = c;
  }
  Symbol s;
  for (const auto& e : outputs_) s.outputs_.push_back({copies.at(e.node.get()), e.index});
  return s;
}

namespace {

bool is_loss_node(const SymbolNode& node) {
  return !node.is_variable() && create_operator(node.op, node.attrs)->is_loss();
}

}  // namespace

bool has_loss_head(const Symbol& symbol) {
  return symbol.outputs().size() == 1 && is_loss_node(*symbol.outputs()[0].node);
}

ClassifierChange with_classifier(const Symbol& symbol, int num_classes) {
  FB_ASSERT(num_classes > 0);
  if (symbol.outputs().size() != 1)
    fail("the network has ", symbol.outputs().size(), " outputs; fitbench replaces the classifier of a network "
         "with one output");
  ClassifierChange c;
  c.symbol = symbol.deep_copy();
  const auto head = c.symbol.outputs()[0].node;
  const bool loss = is_loss_node(*head);
  const auto fc = loss ? head->inputs[0].node : head;
  if (fc->op != "FullyConnected")
    fail("the network's output comes from ", fc->op, " '", fc->name,
         "', not from a FullyConnected layer; fitbench can only replace a FullyConnected classifier");
  c.layer = fc->name;
  const auto hidden = fc->attrs.find("num_hidden");
  if (hidden == fc->attrs.end()) fail("FullyConnected '", fc->name, "' has no num_hidden attribute");
  const auto width = parse_int_tuple(hidden->second, "FullyConnected '" + fc->name + "' attribute 'num_hidden'");
  if (width.size() != 1) fail("FullyConnected '", fc->name, "' has num_hidden '", hidden->second, "'");
  c.old_classes = width[0];
  if (c.old_classes != num_classes) {
    c.replaced = true;
    fc->attrs["num_hidden"] = std::to_string(num_classes);
    // Fresh weight and bias variables: the old ones may carry the old width
    // (in a copy of num_hidden, or a Gluon __shape__).
    for (size_t i = 1; i < fc->inputs.size(); ++i) {
      auto& var = fc->inputs[i].node;
      Attrs attrs = var->attrs;
      attrs.erase("__shape__");
      if (attrs.count("num_hidden")) attrs["num_hidden"] = fc->attrs["num_hidden"];
      c.dropped.push_back(var->name);
      var = Symbol::variable(var->name, attrs).outputs()[0].node;
    }
  }
  if (!loss) {
    c.symbol = Symbol::create("SoftmaxOutput", "softmax", {c.symbol});
    c.added_head = true;
  }
  return c;
}

}  // namespace fitbench
