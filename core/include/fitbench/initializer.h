// Parameter initializers with MXNet's naming rules (python/mxnet/initializer.py),
// tried in this order on the name's ending: *weight -> the initializer's weight
// rule, *bias -> 0, *gamma -> 1, *beta -> 0, *moving_mean -> 0, *moving_var -> 1.
// Anything else is an Error naming the parameter.
#pragma once

#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "fitbench/tensor.h"

namespace fitbench {

class Initializer {
 public:
  virtual ~Initializer() = default;
  // Fills `array` (float32, CPU) according to its name. Random values are
  // drawn from `rng` in element order, so a seed fixes them.
  void operator()(const std::string& name, const Tensor& array, std::mt19937_64& rng) const;
  // "Xavier(rnd_type=gaussian, factor_type=in, magnitude=2)", as MXNet's arguments read.
  virtual std::string describe() const = 0;

 protected:
  virtual void init_weight(const std::string& name, const Tensor& array, std::mt19937_64& rng) const = 0;
};

// Xavier(rnd_type "uniform"|"gaussian", factor_type "avg"|"in"|"out", magnitude);
// Error for other names, and when filling an array of fewer than 2 dimensions.
std::unique_ptr<Initializer> make_xavier(const std::string& rnd_type, const std::string& factor_type,
                                         float magnitude);
// MSRAPrelu(factor_type, slope): Xavier(gaussian, factor_type, 2 / (1 + slope^2)).
std::unique_ptr<Initializer> make_msra(const std::string& factor_type = "avg", float slope = 0.25f);
std::unique_ptr<Initializer> make_normal(float sigma = 0.01f);
std::unique_ptr<Initializer> make_uniform(float scale = 0.07f);
std::unique_ptr<Initializer> make_constant(float value);  // "zero" and "one"

// Fills every array in sorted name order, as MXNet's Module.init_params does
// (it calls this once for the arguments, then once for the auxiliary states),
// so the values depend on the seed and the names but not on the listing order.
void initialize_sorted(const Initializer& init, std::vector<std::pair<std::string, Tensor>> arrays,
                       std::mt19937_64& rng);

// --initializer NAME for --network NETWORK: "default" is Normal(0.01) for
// alexnet, Xavier(uniform, avg, 3) when the name contains "vgg", else
// Xavier(gaussian, in, 2); "xavier" is Xavier(uniform, avg, 3), "msra"
// MSRAPrelu(avg, 0.25), "normal" Normal(0.01), "uniform" Uniform(0.07).
// Throws Error naming the argument for an unknown name, and for "orthogonal"
// (not supported yet).
std::unique_ptr<Initializer> create_initializer(const std::string& name, const std::string& network);

}  // namespace fitbench
