// The operator interface: one class per MXNet operator, built from the
// attribute strings of a symbol JSON node.
//
// A node's inputs are its arguments (data and learnable parameters) followed
// by its auxiliary states (BatchNorm's moving statistics), in MXNet's order.
// Kernels always *write* their gradients; when an entry feeds several
// consumers the Executor adds the pieces up, so no kernel handles accumulation.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "fitbench/tensor.h"

namespace fitbench {

// Attribute strings exactly as in MXNet's symbol JSON: {"kernel": "(5, 5)"}.
using Attrs = std::map<std::string, std::string>;

enum class GradReq { Null, Write };

// Scratch memory an operator may use during one forward or backward call
// (im2col columns, ...). It grows and is reused; contents are not preserved.
class Workspace {
 public:
  explicit Workspace(Device device = Device::cpu()) : device_(device) {}
  // At least `count` floats on the workspace's device.
  float* floats(size_t count);

 private:
  Device device_;
  Tensor buffer_;
};

struct OpContext {
  bool is_train = false;
  std::mt19937_64* rng = nullptr;  // Dropout masks
  Workspace* workspace = nullptr;
};

class Operator {
 public:
  virtual ~Operator() = default;

  // MXNet operator name: "Convolution".
  virtual const char* type() const = 0;
  // Input names in MXNet's order: {"data", "weight", "bias"}. Inputs that are
  // not given when a network is composed become variables "<node>_<argument>".
  virtual std::vector<std::string> arguments() const { return {"data"}; }
  virtual std::vector<std::string> aux_states() const { return {}; }
  // Total outputs (BatchNorm: 3) and how many a user sees (BatchNorm: 1).
  virtual int num_outputs() const { return 1; }
  virtual int num_visible_outputs() const { return 1; }
  // Loss heads produce their own gradient and ignore out_grad.
  virtual bool is_loss() const { return false; }

  // Memory the operator needs besides its inputs and outputs, given the
  // shapes of its arguments, so the Executor can plan (and estimate) it before
  // anything runs. Floats of the Workspace forward or backward asks for on
  // `device`:
  virtual size_t workspace_floats(const std::vector<Shape>&, Device) const { return 0; }
  // Floats the operator keeps itself from forward to backward in training (Dropout's mask):
  virtual int64_t state_floats(const std::vector<Shape>&) const { return 0; }

  // Fills unknown shapes (ndim 0) of `in` (parameters), `out` and `aux` from
  // the known ones. Throws Error describing a mismatch; the Executor prefixes
  // the node's name.
  virtual void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out,
                           std::vector<Shape>& aux) const = 0;

  virtual void forward(const OpContext& ctx, const std::vector<Tensor>& in,
                       const std::vector<Tensor>& out, const std::vector<Tensor>& aux) = 0;

  // in_grad[i] is written when req[i] == Write and left alone for Null.
  virtual void backward(const OpContext& ctx, const std::vector<Tensor>& out_grad,
                        const std::vector<Tensor>& in, const std::vector<Tensor>& out,
                        const std::vector<Tensor>& in_grad, const std::vector<GradReq>& req,
                        const std::vector<Tensor>& aux) = 0;
};

// Creates the operator registered under `op` (or one of its MXNet aliases).
// Throws Error naming the operator when it is unknown or an attribute is bad.
std::unique_ptr<Operator> create_operator(const std::string& op, const Attrs& attrs);
// The registered name for an MXNet alias ("_Plus" -> "elemwise_add").
std::string canonical_operator_name(const std::string& op);
// Canonical names of every registered operator.
std::vector<std::string> registered_operators();

}  // namespace fitbench
