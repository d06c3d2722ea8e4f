// The optimizers' registry (MXNet 1.9.1's names, each with its own settings
// and their defaults), the update bookkeeping they share, and SGD, NAG and Adam.
// The element-wise rules are the kernels of optim/kernels/update_rules.h (CPU
// and CUDA twins), which agree with MXNet's bit for bit; the per-update
// bookkeeping (update count, lr and wd multipliers, bias corrections) follows
// python/mxnet/optimizer/optimizer.py in doubles. The rules run on the device
// of the weights, where the states live. The other optimizers are in
// optim/sgd_variants.cpp and optim/adaptive_optimizers.cpp.
#include "fitbench/optimizer.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

#include "fitbench/error.h"
#include "gpu/gpu_backend.h"
#include "optim/array_state_optimizer.h"
#include "optim/kernels/update_rules.h"
#include "optim/python_float.h"
#include "tensor/dispatch.h"

namespace fitbench {

namespace {

// `device` is where the optimizer's states are: the first parameter's device.
void check_param(const ParamRef& p, Device device) {
  if (!p.weight.defined() || !p.grad.defined())
    fail("parameter '", p.name, "' has no weight or gradient array for the optimizer");
  if (p.weight.dtype() != DType::Float32 || p.grad.dtype() != DType::Float32)
    fail("parameter '", p.name, "' is ", dtype_name(p.weight.dtype()), " with a ", dtype_name(p.grad.dtype()),
         " gradient: the optimizer updates float32 parameters only (multi-precision training is not "
         "implemented yet)");
  if (p.grad.device() != p.weight.device())
    fail("parameter '", p.name, "' is on ", p.weight.device().str(), " but its gradient is on ",
         p.grad.device().str(), ": the optimizer updates a weight on the device of its gradient");
  if (p.weight.device() != device)
    fail("parameter '", p.name, "' is on ", p.weight.device().str(), " but the optimizer's states are on ",
         device.str(), ": all parameters of one optimizer must live on one device");
  if (p.weight.size() != p.grad.size())
    fail("parameter '", p.name, "' has shape ", p.weight.shape().str(), " but its gradient has shape ",
         p.grad.shape().str());
}

// MXNet 1.9.1's registered optimizers with the keywords of their constructors
// that fit.py leaves at their defaults (it passes learning_rate, wd,
// lr_scheduler, rescale_grad, momentum to the momentum ones, and lbsgd's
// warmup), and the factory of each.
struct OptimizerKind {
  std::string name;
  std::vector<OptimizerSetting> settings;
  std::unique_ptr<Optimizer> (*make)(const OptimizerParams&);
};

const std::vector<OptimizerKind>& registry() {
  using namespace optim;
  const OptimizerSetting adam_beta1{"beta1", "0.9", "decay rate of the gradient's running mean"};
  const OptimizerSetting adam_beta2{"beta2", "0.999", "decay rate of the squared gradient's running mean"};
  static const std::vector<OptimizerKind> kinds = {
      {"adadelta",
       {{"rho", "0.9", "decay rate of both running averages"},
        {"epsilon", "1e-05", "added inside both square roots"}},
       make_adadelta},
      {"adagrad", {{"eps", "1e-07", "added to the history inside the square root"}}, make_adagrad},
      {"adam", {adam_beta1, adam_beta2, {"epsilon", "1e-08", "added to the denominator"}}, make_adam},
      {"adamax", {adam_beta1, adam_beta2}, make_adamax},
      {"ccsgd", {}, make_sgd},
      {"dcasgd", {{"lamda", "0.04", "weight of the delay compensation"}}, make_dcasgd},
      {"ftml",
       {{"beta1", "0.6", "decay rate of the first moment"},
        adam_beta2,
        {"epsilon", "1e-08", "added to the denominator"}},
       make_ftml},
      {"ftrl",
       {{"lamda1", "0.01", "L1 regularization strength"},
        {"beta", "1", "added to sqrt(n) in the denominator"}},
       make_ftrl},
      {"groupadagrad",
       {{"eps", "1e-05", "added to each row's history inside the square root"}},
       make_groupadagrad},
      {"lamb",
       {adam_beta1,
        adam_beta2,
        {"epsilon", "1e-06", "added to the denominator"},
        {"lower_bound", "None", "lower bound of the weight norm in the trust ratio"},
        {"upper_bound", "None", "upper bound of the weight norm in the trust ratio"},
        {"bias_correction", "True", "divide the moments by 1 - beta^t"}},
       make_lamb},
      {"lars",
       {{"momentum", "0.0", "momentum (fit.py does not pass --mom to lars)"},
        {"eta", "0.001", "LARS coefficient: the trust ratio's scale"},
        {"eps", "0", "added to the trust ratio's denominator"},
        {"momentum_correction", "True", "scale the momentum by the lr's change"}},
       make_lars},
      {"lbsgd", {}, make_lbsgd},
      {"nadam",
       {adam_beta1,
        adam_beta2,
        {"epsilon", "1e-08", "added to the denominator"},
        {"schedule_decay", "0.004", "decay of the momentum schedule"}},
       make_nadam},
      {"nag", {}, make_nag},
      {"rmsprop",
       {{"gamma1", "0.9", "decay rate of the squared gradient's mean"},
        {"gamma2", "0.9", "momentum of the centered version"},
        {"epsilon", "1e-08", "added inside the square root"},
        {"centered", "False", "Graves' centered RMSProp (three states)"},
        {"clip_weights", "None", "clip the weights to [-c, c] after each update"}},
       make_rmsprop},
      {"sgd", {}, make_sgd},
      {"sgld", {}, make_sgld},
      {"signum", {{"wd_lh", "0.0", "decoupled weight decay, applied to the weight directly"}}, make_signum},
  };
  return kinds;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string trimmed(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

const OptimizerKind* find_kind(const std::string& name) {
  const std::string key = lowercase(name);
  for (const OptimizerKind& kind : registry())
    if (kind.name == key) return &kind;
  return nullptr;
}

bool is_flag(const OptimizerSetting& s) { return s.default_text == "True" || s.default_text == "False"; }

// A setting's text as its Python value; nullopt when it is not one.
std::optional<double> setting_value(const OptimizerSetting& s, const std::string& text) {
  const std::string word = lowercase(text);
  if (is_flag(s)) {
    if (word == "true" || word == "1") return 1.0;
    if (word == "false" || word == "0") return 0.0;
    return std::nullopt;
  }
  if (s.default_text == "None" && word == "none") return -1.0;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string setting_names(const OptimizerKind& kind) {
  if (kind.settings.empty()) return kind.name + " takes no settings of its own";
  std::string names;
  for (const OptimizerSetting& s : kind.settings) names += (names.empty() ? "" : ", ") + s.name;
  return kind.name + " takes " + names;
}

// The settings with every default filled in; SettingError for a keyword the
// optimizer does not take.
OptimizerSettings complete_settings(const OptimizerKind& kind, const OptimizerSettings& given) {
  OptimizerSettings all;
  for (const OptimizerSetting& s : kind.settings) all[s.name] = *setting_value(s, s.default_text);
  for (const auto& [name, value] : given) {
    if (!all.contains(name))
      fail_setting("optimizer_params", "'", name, "' is not a setting of ", kind.name, ": ",
                   setting_names(kind));
    all[name] = value;
  }
  return all;
}

}  // namespace

namespace optim {

ArrayStateOptimizer::ArrayStateOptimizer(OptimizerParams params, std::vector<std::string> slots)
    : Optimizer(std::move(params)), slots_(std::move(slots)) {
  if (params_.momentum < 0.0f) fail("momentum must be 0 or more (got ", params_.momentum, ")");
}

void ArrayStateOptimizer::create_states(const std::vector<ParamRef>& params) {
  device_ = params.empty() ? Device::cpu() : params.front().weight.device();
  std::vector<int64_t> sizes;
  for (const ParamRef& p : params) {
    check_param(p, device_);
    sizes.push_back(p.weight.size());
  }
  const Tensor buffer = Tensor::zeros(Shape{state_floats(sizes)}, DType::Float32, device_);
  names_.clear();
  states_.clear();
  size_t offset = 0;
  for (const ParamRef& p : params) {
    names_.push_back(p.name);
    for (size_t s = 0; s < slots_.size(); ++s) {
      const Shape shape = slot_shape(s, p.weight.shape());
      states_.emplace_back(buffer.storage(), offset, shape, DType::Float32);
      offset += static_cast<size_t>(padded_view_floats(shape.size())) * sizeof(float);
    }
  }
  init_states(params);
}

int64_t ArrayStateOptimizer::state_floats(const std::vector<int64_t>& weight_sizes) const {
  int64_t total = 0;
  for (int64_t size : weight_sizes) total += padded_view_floats(size) * static_cast<int64_t>(slots_.size());
  return std::max<int64_t>(total, 1);
}

std::vector<std::pair<std::string, Tensor>> ArrayStateOptimizer::states() const {
  std::vector<std::pair<std::string, Tensor>> named;
  for (size_t i = 0; i < states_.size(); ++i)
    named.emplace_back(names_[i / slots_.size()] + slots_[i % slots_.size()], states_[i]);
  named.insert(named.end(), scalars_.begin(), scalars_.end());
  return named;
}

// hi + mid + lo, each the float nearest what is left, hold a double exactly
// (24 + 24 + 24 bits of its 53) over the range the optimizers' scalars take.
size_t ArrayStateOptimizer::add_scalar(std::string name, double initial) {
  scalars_.emplace_back(std::move(name), Tensor::zeros(Shape{3}));
  set_scalar(scalars_.size() - 1, initial);
  return scalars_.size() - 1;
}

double ArrayStateOptimizer::scalar(size_t which) const {
  const float* parts = scalars_[which].second.f32();
  return static_cast<double>(parts[0]) + static_cast<double>(parts[1]) + static_cast<double>(parts[2]);
}

void ArrayStateOptimizer::set_scalar(size_t which, double value) const {
  float* parts = scalars_[which].second.f32();
  parts[0] = static_cast<float>(value);
  const double rest = value - parts[0];
  parts[1] = static_cast<float>(rest);
  parts[2] = static_cast<float>(rest - parts[1]);
}

// The parameter list must be the one create_states saw, still on the states' device.
void ArrayStateOptimizer::update_one(size_t index, const ParamRef& p, double lr, float wd) {
  FB_ASSERT(index < names_.size() && names_[index] == p.name);
  FB_ASSERT(slots_.empty() || states_[index * slots_.size()].defined());
  check_param(p, device_);
  apply(index, p, lr, wd);
}

Tensor host_copy(const Tensor& t) { return t.device().is_cpu() ? t : t.to(Device::cpu()); }

float sequential_sum_of_squares(const float* x, int64_t n) {
  float sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += x[i] * x[i];
  return sum;
}

// numpy's pairwise_sum (loops_utils.h) of x[i]*x[i].
float numpy_sum_of_squares(const float* x, int64_t n) {
  constexpr int64_t kBlock = 128;
  const auto square = [&](int64_t i) { return x[i] * x[i]; };
  if (n < 8) {
    float sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += square(i);
    return sum;
  }
  if (n <= kBlock) {
    float r[8];
    for (int64_t j = 0; j < 8; ++j) r[j] = square(j);
    int64_t i = 8;
    for (; i < n - n % 8; i += 8)
      for (int64_t j = 0; j < 8; ++j) r[j] += square(i + j);
    float sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) sum += square(i);
    return sum;
  }
  int64_t half = n / 2;
  half -= half % 8;
  return numpy_sum_of_squares(x, half) + numpy_sum_of_squares(x + half, n - half);
}

void sgd_step(const ParamRef& p, const float* grad, float* mom, float momentum, float lr, float wd,
              const OptimizerParams& o) {
  FB_DISPATCH(p.weight, sgd_update(p.weight.f32(), grad, mom, p.weight.size(), momentum, lr, wd,
                                   o.rescale_grad, o.clip_gradient));
}

namespace {

std::vector<std::string> momentum_slots(const OptimizerParams& params) {
  return params.momentum > 0.0f ? std::vector<std::string>{"_mom"} : std::vector<std::string>{};
}

// SGD (and ccsgd, its alias); NAG without momentum, where MXNet calls
// sgd_update, which groups the same step as (1 - lr*wd)*w - ..., so the last
// bit may differ.
class Sgd final : public ArrayStateOptimizer {
 public:
  explicit Sgd(const OptimizerParams& params) : ArrayStateOptimizer(params, momentum_slots(params)) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    const bool momentum = params_.momentum > 0.0f;
    sgd_step(p, p.grad.f32(), momentum ? state(index, 0) : nullptr, params_.momentum, static_cast<float>(lr),
             wd, params_);
  }
};

class Nag final : public ArrayStateOptimizer {
 public:
  explicit Nag(const OptimizerParams& params) : ArrayStateOptimizer(params, momentum_slots(params)) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    if (params_.momentum <= 0.0f) {
      sgd_step(p, p.grad.f32(), nullptr, 0.0f, static_cast<float>(lr), wd, params_);
      return;
    }
    FB_DISPATCH(p.weight,
                nag_update(p.weight.f32(), p.grad.f32(), state(index, 0), p.weight.size(), params_.momentum,
                           static_cast<float>(lr), wd, params_.rescale_grad, params_.clip_gradient));
  }
};

class Adam final : public ArrayStateOptimizer {
 public:
  explicit Adam(const OptimizerParams& params) : ArrayStateOptimizer(params, {"_mean", "_var"}) {}

 private:
  void apply(size_t index, const ParamRef& p, double lr, float wd) override {
    // Python's bias correction: t is the parameter's update count, which is
    // num_update since every parameter is updated every step.
    const double t = static_cast<double>(num_update_);
    const double coef1 = 1.0 - std::pow(setting("beta1"), t);
    const double coef2 = 1.0 - std::pow(setting("beta2"), t);
    const auto lr_t = static_cast<float>(lr * (std::sqrt(coef2) / coef1));
    const OptimizerParams& o = params_;
    FB_DISPATCH(
        p.weight,
        adam_update(p.weight.f32(), p.grad.f32(), state(index, 0), state(index, 1), p.weight.size(),
                    static_cast<float>(setting("beta1")), static_cast<float>(setting("beta2")),
                    static_cast<float>(setting("epsilon")), lr_t, wd, o.rescale_grad, o.clip_gradient));
  }
};

}  // namespace

std::unique_ptr<Optimizer> make_sgd(const OptimizerParams& params) { return std::make_unique<Sgd>(params); }
std::unique_ptr<Optimizer> make_nag(const OptimizerParams& params) { return std::make_unique<Nag>(params); }
std::unique_ptr<Optimizer> make_adam(const OptimizerParams& params) { return std::make_unique<Adam>(params); }

}  // namespace optim

std::unique_ptr<Optimizer> Optimizer::create(const std::string& name, const OptimizerParams& params) {
  const OptimizerKind* kind = find_kind(name);
  if (!kind) {
    std::string choices;
    for (const std::string& s : supported()) choices += (choices.empty() ? "" : ", ") + s;
    fail("optimizer '", name, "' is not one of MXNet 1.9.1's: ", choices);
  }
  OptimizerParams complete = params;
  complete.settings = complete_settings(*kind, params.settings);
  return kind->make(complete);
}

std::vector<std::string> Optimizer::supported() {
  std::vector<std::string> names;
  for (const OptimizerKind& kind : registry()) names.push_back(kind.name);
  return names;
}

const std::vector<OptimizerSetting>& Optimizer::settings_of(const std::string& name) {
  const OptimizerKind* kind = find_kind(name);
  FB_ASSERT(kind != nullptr);
  return kind->settings;
}

OptimizerSettings parse_optimizer_settings(const std::string& name, const std::string& text) {
  const OptimizerKind* kind = find_kind(name);
  if (!kind) fail_setting("optimizer", "'", name, "' is not one of MXNet 1.9.1's optimizers");
  OptimizerSettings settings;
  if (trimmed(text).empty()) return settings;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = trimmed(std::string_view(text).substr(start, comma - start));
    start = comma + 1;
    const size_t equals = item.find('=');
    if (equals == std::string::npos)
      fail_setting("optimizer_params", "'", item,
                   "' is not KEY=VALUE (such as beta1=0.8): ", setting_names(*kind));
    const std::string key = trimmed(std::string_view(item).substr(0, equals));
    const std::string value_text = trimmed(std::string_view(item).substr(equals + 1));
    const auto spec = std::find_if(kind->settings.begin(), kind->settings.end(),
                                   [&](const OptimizerSetting& s) { return s.name == key; });
    if (spec == kind->settings.end())
      fail_setting("optimizer_params", "'", key, "' is not a setting of ", kind->name, ": ",
                   setting_names(*kind));
    if (settings.contains(key)) fail_setting("optimizer_params", "'", key, "' is given twice");
    const auto value = setting_value(*spec, value_text);
    if (!value)
      fail_setting("optimizer_params", kind->name, "'s ", key, " must be ",
                   is_flag(*spec)                 ? "True or False"
                   : spec->default_text == "None" ? "a finite number or None"
                                                  : "a finite number",
                   ", got '", value_text, "'");
    settings[key] = *value;
  }
  return settings;
}

void Optimizer::update(const std::vector<ParamRef>& params) {
  ++num_update_;
  last_lr_ = params_.lr_scheduler ? (*params_.lr_scheduler)(num_update_) : params_.learning_rate;
  // Python multiplies the multipliers in as doubles; the kernels take floats.
  const double lr = last_lr_;
  const double wd = python_double(params_.wd);
  // The CUDA rules run on the current device; make it the parameters' one,
  // whatever device the caller left current.
  const DeviceScope scope(params.empty() ? Device::cpu() : params.front().weight.device());
  for (size_t i = 0; i < params.size(); ++i) {
    const ParamRef& p = params[i];
    update_one(i, p, lr * python_double(p.lr_mult),
               static_cast<float>(wd * python_double(p.wd_mult) * name_wd_mult(p.name)));
  }
}

double Optimizer::learning_rate() const {
  return params_.lr_scheduler ? params_.lr_scheduler->peek(num_update_ + 1) : params_.learning_rate;
}

void Optimizer::set_learning_rate(double lr) {
  if (!params_.lr_scheduler) {
    params_.learning_rate = lr;
    return;
  }
  // Take any step due at the next update first, so a step schedule's next rate is `lr`, not lr * factor.
  (*params_.lr_scheduler)(num_update_ + 1);
  params_.lr_scheduler->set_base_lr(lr);
}

float default_wd_mult(const std::string& name) {
  return name.ends_with("_weight") || name.ends_with("_gamma") ? 1.0f : 0.0f;
}

}  // namespace fitbench
