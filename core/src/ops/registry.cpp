// The table of built-in operators. A new operator is one row here and one
// factory in ops.h.
#include <algorithm>
#include <functional>

#include "ops.h"

namespace fitbench {

namespace {

using Factory = std::unique_ptr<Operator> (*)(const Attrs&);

struct Entry {
  const char* name;
  Factory factory;
  std::vector<const char*> aliases;  // other names MXNet writes into symbol JSON
};

const std::vector<Entry>& table() {
  static const std::vector<Entry> entries = {
      {"FullyConnected", ops::make_fully_connected, {}},
      {"Convolution", ops::make_convolution, {}},
      {"Pooling", ops::make_pooling, {}},
      {"Activation", ops::make_activation, {}},
      {"LeakyReLU", ops::make_leaky_relu, {}},
      {"BatchNorm", ops::make_batch_norm, {}},
      {"Dropout", ops::make_dropout, {}},
      {"LRN", ops::make_lrn, {}},
      {"Flatten", ops::make_flatten, {"flatten"}},
      {"elemwise_add", ops::make_elemwise_add, {"_Plus", "_plus", "_add"}},
      {"Concat", ops::make_concat, {"concat"}},
      {"SoftmaxOutput", ops::make_softmax_output, {"Softmax"}},
      {"_copy", ops::make_identity, {"identity"}},
      {"clip", ops::make_clip, {}},
  };
  return entries;
}

const Entry* lookup(const std::string& op) {
  for (const auto& e : table()) {
    if (op == e.name) return &e;
    for (const char* alias : e.aliases)
      if (op == alias) return &e;
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<Operator> create_operator(const std::string& op, const Attrs& attrs) {
  const Entry* e = lookup(op);
  if (!e) {
    std::string known;
    for (const auto& name : registered_operators()) known += (known.empty() ? "" : ", ") + name;
    fail("unknown operator '", op, "' (fitbench supports: ", known, ")");
  }
  return e->factory(attrs);
}

std::string canonical_operator_name(const std::string& op) {
  const Entry* e = lookup(op);
  return e ? e->name : op;
}

std::vector<std::string> registered_operators() {
  std::vector<std::string> names;
  for (const auto& e : table()) names.emplace_back(e.name);
  return names;
}

float* Workspace::floats(size_t count) {
  // Contents need not survive, so a larger buffer simply replaces the old one
  // (on a GPU the old block returns to the cache after the queued work).
  if (!buffer_.defined() || buffer_.size() < static_cast<int64_t>(count))
    buffer_ = Tensor(Shape{static_cast<int64_t>(std::max<size_t>(count, 1))}, DType::Float32, device_);
  return buffer_.f32();
}

}  // namespace fitbench
