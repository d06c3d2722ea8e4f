// Factories of the built-in operators, one per file in this folder.
#pragma once

#include <memory>

#include "fitbench/operator.h"

namespace fitbench::ops {

std::unique_ptr<Operator> make_fully_connected(const Attrs& attrs);
std::unique_ptr<Operator> make_convolution(const Attrs& attrs);
std::unique_ptr<Operator> make_pooling(const Attrs& attrs);
std::unique_ptr<Operator> make_activation(const Attrs& attrs);
std::unique_ptr<Operator> make_leaky_relu(const Attrs& attrs);
std::unique_ptr<Operator> make_batch_norm(const Attrs& attrs);
std::unique_ptr<Operator> make_dropout(const Attrs& attrs);
std::unique_ptr<Operator> make_lrn(const Attrs& attrs);
std::unique_ptr<Operator> make_flatten(const Attrs& attrs);
std::unique_ptr<Operator> make_elemwise_add(const Attrs& attrs);
std::unique_ptr<Operator> make_concat(const Attrs& attrs);
std::unique_ptr<Operator> make_softmax_output(const Attrs& attrs);
std::unique_ptr<Operator> make_identity(const Attrs& attrs);
std::unique_ptr<Operator> make_clip(const Attrs& attrs);

}  // namespace fitbench::ops
