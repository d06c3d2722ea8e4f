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
  // Reads MXNet symbol JSON of versions 0.x to 1.9: "attrs" (1.x) or
  // "param" / "attr" (0.x); Gluon export's variable attributes (__shape__
  // with unknown 0 dimensions, __init__, __lr_mult__, __dtype__, ...) are
  // kept as they are; operator aliases become the registered names; a
  // BatchNorm written before its moving statistics were graph inputs gets
  // variables "<node>_moving_mean" / "<node>_moving_var", as MXNet's upgrade
  // does. `source` names the file in error messages, which name the node of
  // an operator fitbench does not support.
  static Symbol from_json(const std::string& text, const std::string& source = "symbol JSON");
  static Symbol load(const std::string& path);
  // Written through a temporary file.
  void save(const std::string& path) const;
  // A copy with its own nodes, so editing it leaves this symbol alone.
  Symbol deep_copy() const;

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

// True when the symbol's output is a loss head (SoftmaxOutput): it gives
// class probabilities. Otherwise (a Gluon export) it gives raw scores.
bool has_loss_head(const Symbol& symbol);

// MXNet's fine-tune.py on a classifier: the FullyConnected layer the output
// comes from (directly or through its SoftmaxOutput) is given `num_classes`
// outputs and new weight / bias variables when its width differs, and a
// network without a loss head gets a SoftmaxOutput named "softmax". Throws
// Error when the output does not come from a FullyConnected layer.
struct ClassifierChange {
  Symbol symbol;
  std::string layer;         // the last FullyConnected layer's name
  int old_classes = 0;       // its num_hidden in the given symbol
  bool replaced = false;     // its width changed: `dropped` must not be loaded
  bool added_head = false;   // a SoftmaxOutput was added
  std::vector<std::string> dropped;  // parameter names of the replaced layer
};
ClassifierChange with_classifier(const Symbol& symbol, int num_classes);

}  // namespace fitbench
