// Initializers after python/mxnet/initializer.py (MXNet 1.9). Scales are
// computed in doubles as Python does; values come from the standard
// distributions on the caller's generator, so they are reproducible for a seed
// though not MXNet's own random numbers.
#include "fitbench/initializer.h"

#include <algorithm>
#include <cmath>

#include "fitbench/error.h"
#include "optim/python_float.h"

namespace fitbench {

namespace {

template <class Distribution>
void fill_random(const Tensor& array, Distribution distribution, std::mt19937_64& rng) {
  float* data = array.f32();
  for (int64_t i = 0; i < array.size(); ++i) data[i] = distribution(rng);
}

class Xavier : public Initializer {
 public:
  Xavier(std::string rnd_type, std::string factor_type, double magnitude)
      : rnd_type_(std::move(rnd_type)), factor_type_(std::move(factor_type)), magnitude_(magnitude) {
    if (rnd_type_ != "uniform" && rnd_type_ != "gaussian")
      fail("Xavier's random type must be \"uniform\" or \"gaussian\" (got \"", rnd_type_, "\")");
    if (factor_type_ != "avg" && factor_type_ != "in" && factor_type_ != "out")
      fail("Xavier's factor type must be \"avg\", \"in\" or \"out\" (got \"", factor_type_, "\")");
    if (!(magnitude_ > 0)) fail("Xavier's magnitude must be positive (got ", magnitude_, ")");
  }

  std::string describe() const override {
    return "Xavier(rnd_type=" + rnd_type_ + ", factor_type=" + factor_type_ +
           ", magnitude=" + shortest_decimal(static_cast<float>(magnitude_)) + ")";
  }

 protected:
  const std::string& factor_type() const { return factor_type_; }

 private:
  void init_weight(const std::string& name, const Tensor& array, std::mt19937_64& rng) const override {
    const Shape& shape = array.shape();
    if (shape.ndim() < 2)
      fail("the Xavier initializer cannot be applied to '", name, "' of shape ", shape.str(),
           ": it needs at least 2 dimensions");
    double receptive_field = 1.0;
    for (int i = 2; i < shape.ndim(); ++i) receptive_field *= static_cast<double>(shape[i]);
    const double fan_in = static_cast<double>(shape[1]) * receptive_field;
    const double fan_out = static_cast<double>(shape[0]) * receptive_field;
    const double factor = factor_type_ == "avg"  ? (fan_in + fan_out) / 2.0
                          : factor_type_ == "in" ? fan_in
                                                 : fan_out;
    const auto scale = static_cast<float>(std::sqrt(magnitude_ / factor));
    if (rnd_type_ == "uniform")
      fill_random(array, std::uniform_real_distribution<float>(-scale, scale), rng);
    else
      fill_random(array, std::normal_distribution<float>(0.0f, scale), rng);
  }

  std::string rnd_type_;
  std::string factor_type_;
  double magnitude_;
};

class MsraPrelu final : public Xavier {
 public:
  MsraPrelu(const std::string& factor_type, float slope)
      : Xavier("gaussian", factor_type, 2.0 / (1 + std::pow(python_double(slope), 2.0))), slope_(slope) {}

  std::string describe() const override {
    return "MSRAPrelu(factor_type=" + factor_type() + ", slope=" + shortest_decimal(slope_) + ")";
  }

 private:
  float slope_;
};

class Normal final : public Initializer {
 public:
  explicit Normal(float sigma) : sigma_(sigma) {
    if (!(sigma > 0)) fail("the Normal initializer's sigma must be positive (got ", sigma, ")");
  }
  std::string describe() const override { return "Normal(sigma=" + shortest_decimal(sigma_) + ")"; }

 private:
  void init_weight(const std::string&, const Tensor& array, std::mt19937_64& rng) const override {
    fill_random(array, std::normal_distribution<float>(0.0f, sigma_), rng);
  }

  float sigma_;
};

class Uniform final : public Initializer {
 public:
  explicit Uniform(float scale) : scale_(scale) {
    if (!(scale >= 0)) fail("the Uniform initializer's scale must be 0 or more (got ", scale, ")");
  }
  std::string describe() const override { return "Uniform(scale=" + shortest_decimal(scale_) + ")"; }

 private:
  void init_weight(const std::string&, const Tensor& array, std::mt19937_64& rng) const override {
    fill_random(array, std::uniform_real_distribution<float>(-scale_, scale_), rng);
  }

  float scale_;
};

class Constant final : public Initializer {
 public:
  explicit Constant(float value) : value_(value) {}
  std::string describe() const override {
    if (value_ == 0.0f) return "Zero()";
    if (value_ == 1.0f) return "One()";
    return "Constant(value=" + shortest_decimal(value_) + ")";
  }

 private:
  void init_weight(const std::string&, const Tensor& array, std::mt19937_64&) const override {
    array.fill(value_);
  }

  float value_;
};

// The fixed values of the name rules after "weight", in MXNet's order.
struct FixedRule {
  const char* suffix;
  float value;
};
constexpr FixedRule kFixedRules[] = {
    {"bias", 0.0f}, {"gamma", 1.0f}, {"beta", 0.0f}, {"moving_mean", 0.0f}, {"moving_var", 1.0f},
};

}  // namespace

void Initializer::operator()(const std::string& name, const Tensor& array, std::mt19937_64& rng) const {
  if (!array.defined() || array.dtype() != DType::Float32 || !array.device().is_cpu())
    fail("cannot initialize '", name, "': initializers fill float32 arrays on the CPU (got ",
         array.defined() ? dtype_name(array.dtype()) : "no array", " on ", array.device().str(), ")");
  if (name.ends_with("weight")) return init_weight(name, array, rng);
  for (const FixedRule& rule : kFixedRules) {
    if (name.ends_with(rule.suffix)) return array.fill(rule.value);
  }
  fail("cannot initialize parameter '", name,
       "': initial values are defined for names ending in weight, bias, gamma, beta, moving_mean or "
       "moving_var");
}

void initialize_sorted(const Initializer& init, std::vector<std::pair<std::string, Tensor>> arrays,
                       std::mt19937_64& rng) {
  std::sort(arrays.begin(), arrays.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, array] : arrays) init(name, array, rng);
}

std::unique_ptr<Initializer> make_xavier(const std::string& rnd_type, const std::string& factor_type,
                                         float magnitude) {
  return std::make_unique<Xavier>(rnd_type, factor_type, python_double(magnitude));
}

std::unique_ptr<Initializer> make_msra(const std::string& factor_type, float slope) {
  return std::make_unique<MsraPrelu>(factor_type, slope);
}

std::unique_ptr<Initializer> make_normal(float sigma) { return std::make_unique<Normal>(sigma); }

std::unique_ptr<Initializer> make_uniform(float scale) { return std::make_unique<Uniform>(scale); }

std::unique_ptr<Initializer> make_constant(float value) { return std::make_unique<Constant>(value); }

std::unique_ptr<Initializer> create_initializer(const std::string& name, const std::string& network) {
  if (name == "default") {
    if (network == "alexnet") return make_normal();  // AlexNet does not converge with Xavier
    if (network.find("vgg") != std::string::npos) return make_xavier("uniform", "avg", 3);
    return make_xavier("gaussian", "in", 2);
  }
  if (name == "xavier") return make_xavier("uniform", "avg", 3);
  if (name == "msra") return make_msra();
  if (name == "normal") return make_normal();
  if (name == "uniform") return make_uniform();
  if (name == "one") return make_constant(1.0f);
  if (name == "zero") return make_constant(0.0f);
  constexpr const char* kChoices = "default, xavier, msra, normal, uniform, one or zero";
  if (name == "orthogonal") fail("--initializer orthogonal is not supported yet; choose ", kChoices);
  fail("--initializer '", name, "' is not an initializer; choose ", kChoices);
}

}  // namespace fitbench
