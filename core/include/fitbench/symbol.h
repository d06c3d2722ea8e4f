// Symbol: a static computation graph with MXNet's composition rules and its
// `-symbol.json` format.
//
// Composing an operator creates a node; inputs that are not given become
// variables named "<node>_<argument>" carrying the operator's attributes, as
// MXNet does. Nodes are ordered by a depth-first post-order walk from the
// outputs, which is the order MXNet writes.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fitbench/operator.h"

namespace fitbench {

struct SymbolNode;

struct SymbolEntry {
  std::shared_ptr<SymbolNode> node;
  int index = 0;
};

struct SymbolNode {
  std::string op;  // "null" for variables
  std::string name;
  Attrs attrs;
  std::vector<SymbolEntry> inputs;
  bool is_variable() const { return op == "null"; }
};

class Symbol {
 public:
  Symbol() = default;

  static Symbol variable(const std::string& name, Attrs attrs = {});
  // Composes `op` named `name` (empty: an automatic name from the active
  // NameScope) over `inputs`, which fill the operator's arguments in order;
  // the rest become variables. Throws Error for an unknown operator.
  static Symbol create(const std::string& op, const std::string& name, const std::vector<Symbol>& inputs,
                       const Attrs& attrs = {});
  // MXNet's `a + b`.
  friend Symbol operator+(const Symbol& a, const Symbol& b);

  bool empty() const { return outputs_.empty(); }
  // The name of the single output's node.
  std::string name() const;
  const std::vector<SymbolEntry>& outputs() const { return outputs_; }

  std::vector<std::string> list_arguments() const;
  std::vector<std::string> list_auxiliary_states() const;
  std::vector<std::string> list_outputs() const;  // "softmax_output"

  // Nodes in depth-first post-order (MXNet's topological order).
  std::vector<std::shared_ptr<SymbolNode>> topo_order() const;

  // MXNet's JSON text, byte for byte as MXNet 1.9 writes it.
  std::string to_json() const;
  // Reads MXNet symbol JSON (1.x "attrs", 0.x "attr"/"param"). `source`
  // names the file in error messages.
  static Symbol from_json(const std::string& text, const std::string& source = "symbol JSON");
  static Symbol load(const std::string& path);
  // Written through a temporary file.
  void save(const std::string& path) const;

 private:
  std::vector<SymbolEntry> outputs_;
};

// Automatic names "convolution0", "activation1", ... counted per scope, so
// building a network twice gives the same names.
class NameScope {
 public:
  NameScope();
  ~NameScope();
  NameScope(const NameScope&) = delete;
  NameScope& operator=(const NameScope&) = delete;
  // Next name for an operator ("FullyConnected" -> "fullyconnected0").
  static std::string next(const std::string& op);

 private:
  std::map<std::string, int> counters_;
  NameScope* previous_;
};

// Output names of one node, as list_outputs() prints them.
std::vector<std::string> node_output_names(const SymbolNode& node);

}  // namespace fitbench
