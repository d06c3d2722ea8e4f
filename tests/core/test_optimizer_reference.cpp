// Every optimizer fit.py can name against MXNet 1.9.1 itself: 20 updates of
// seven parameters (with wd, clip_gradient, rescale_grad, momentum where fit.py
// passes it, and an lr that halves after updates 7 and 14) replayed from
// tests/data/mxnet/optimizers.json (make_optimizer_reference.py), the weights
// and states within 1e-6 relative; then the .states round trip of each, and
// SGLD's noise, which cannot match MXNet's generator, by its distribution.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "file_test_util.h"
#include "fitbench/optimizer.h"
#include "fitbench/training_state.h"

namespace fitbench {
namespace {

using nlohmann::json;

const json& reference() {
  static const json data = [] {
    std::ifstream in(std::string(FITBENCH_SOURCE_DIR) + "/tests/data/mxnet/optimizers.json");
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
  }();
  return data;
}

Tensor tensor_of(const std::vector<float>& values, const Shape& shape) {
  Tensor t(shape);
  std::copy(values.begin(), values.end(), t.f32());
  return t;
}

Shape shape_of(const json& dims) {
  std::vector<int64_t> d = dims.get<std::vector<int64_t>>();
  return Shape(d);
}

const json& param_spec(const std::string& name) {
  for (const json& p : reference()["params"])
    if (p["name"] == name) return p;
  throw std::runtime_error("no parameter " + name);
}

OptimizerParams params_of(const json& c) {
  const json& ref = reference();
  OptimizerParams o;
  o.learning_rate = ref["lr"].get<double>();
  o.wd = c["wd"].get<float>();
  o.momentum = c["momentum"].get<float>();
  o.rescale_grad = ref["rescale_grad"].get<float>();
  o.clip_gradient = c["clip_gradient"].is_null() ? -1.0f : c["clip_gradient"].get<float>();
  for (const auto& [key, value] : c["settings"].items())
    o.settings[key] = value.is_boolean() ? (value.get<bool>() ? 1.0 : 0.0) : value.get<double>();
  const json& large = c["large_batch"];
  if (large.contains("batch_scale")) o.large_batch.batch_scale = large["batch_scale"].get<int>();
  if (large.contains("warmup_epochs")) o.large_batch.warmup_epochs = large["warmup_epochs"].get<int>();
  if (large.contains("updates_per_epoch"))
    o.large_batch.updates_per_epoch = large["updates_per_epoch"].get<int64_t>();
  if (large.contains("warmup_strategy"))
    o.large_batch.warmup_strategy = large["warmup_strategy"].get<std::string>();
  const json& schedule = ref["schedule"];
  o.lr_scheduler = make_multi_factor_scheduler(schedule["steps"].get<std::vector<int64_t>>(),
                                               schedule["factor"].get<double>(), o.learning_rate);
  return o;
}

// The case's parameters at their initial weights.
std::vector<ParamRef> params_for(const json& c) {
  std::vector<ParamRef> params;
  for (const std::string& name : c["params"].get<std::vector<std::string>>()) {
    const json& spec = param_spec(name);
    ParamRef p;
    p.name = name;
    p.weight = tensor_of(spec["init"].get<std::vector<float>>(), shape_of(spec["shape"]));
    p.grad = Tensor::zeros(p.weight.shape());
    params.push_back(p);
  }
  return params;
}

// Updates `first` up to `last` (1-based, inclusive) with the reference's gradients.
void run_updates(Optimizer& opt, const std::vector<ParamRef>& params, int first, int last) {
  for (int step = first; step <= last; ++step) {
    const json& grads = reference()["grads"][static_cast<size_t>(step - 1)];
    for (const ParamRef& p : params)
      std::copy_n(grads[p.name].get<std::vector<float>>().begin(), p.grad.size(), p.grad.f32());
    opt.update(params);
  }
}

// The parameter's state arrays, in slot order (MXNet's state order).
std::vector<Tensor> states_of(const Optimizer& opt, const std::string& param) {
  std::vector<Tensor> found;
  for (const auto& [name, t] : opt.states())
    if (name.starts_with(param + "_")) found.push_back(t);
  return found;
}

// |a - b| relative to the larger magnitude, with values below 1e-6 compared
// as 1e-6 (the states hold such values, such as ftrl's zeroed weights).
double relative_difference(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0.0 : INFINITY;
  const double scale = std::max({std::fabs(double(a)), std::fabs(double(b)), 1e-6});
  return std::fabs(double(a) - double(b)) / scale;
}

// The reference's values; null is NaN.
std::vector<float> values_of(const json& list) {
  std::vector<float> values;
  for (const json& v : list) values.push_back(v.is_null() ? NAN : v.get<float>());
  return values;
}

double worst_difference(const Tensor& t, const std::vector<float>& expected) {
  EXPECT_EQ(t.size(), static_cast<int64_t>(expected.size()));
  double worst = 0;
  for (size_t i = 0; i < expected.size() && static_cast<int64_t>(i) < t.size(); ++i)
    worst = std::max(worst, relative_difference(t.f32()[i], expected[i]));
  return worst;
}

class AgainstMxnet : public testing::TestWithParam<std::string> {};

const json& case_named(const std::string& id) {
  for (const json& c : reference()["cases"])
    if (c["id"] == id) return c;
  throw std::runtime_error("no case " + id);
}

TEST_P(AgainstMxnet, TwentyUpdates) {
  const json& c = case_named(GetParam());
  auto opt = Optimizer::create(c["optimizer"].get<std::string>(), params_of(c));
  const std::vector<ParamRef> params = params_for(c);
  opt->create_states(params);
  run_updates(*opt, params, 1, reference()["steps"].get<int>());
  double worst_weight = 0, worst_state = 0;
  for (const ParamRef& p : params) {
    SCOPED_TRACE(p.name);
    worst_weight = std::max(worst_weight, worst_difference(p.weight, values_of(c["weights"][p.name])));
    const json& expected = c["states"][p.name];
    const std::vector<Tensor> states = states_of(*opt, p.name);
    ASSERT_GE(states.size(), expected.size());
    for (size_t s = 0; s < expected.size(); ++s)
      worst_state = std::max(worst_state, worst_difference(states[s], values_of(expected[s])));
  }
  std::printf("  %-18s worst relative difference from MXNet 1.9.1: weights %.2e, states %.2e\n",
              GetParam().c_str(), worst_weight, worst_state);
  EXPECT_LE(worst_weight, 1e-6);
  EXPECT_LE(worst_state, 1e-6);
}

std::vector<std::string> case_ids() {
  std::vector<std::string> ids;
  for (const json& c : reference()["cases"]) ids.push_back(c["id"].get<std::string>());
  return ids;
}

INSTANTIATE_TEST_SUITE_P(Optimizers, AgainstMxnet, testing::ValuesIn(case_ids()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// Every optimizer fit.py can name has a reference case here.
TEST(AgainstMxnetCases, CoverEveryOptimizer) {
  std::vector<std::string> covered;
  for (const json& c : reference()["cases"]) covered.push_back(c["optimizer"].get<std::string>());
  for (const std::string& name : Optimizer::supported())
    if (name != "sgld") {
      EXPECT_NE(std::find(covered.begin(), covered.end(), name), covered.end()) << name;
    }
}

// 10 updates, a .states file, a fresh optimizer loaded from it, 10 more: the
// weights and states of 20 straight updates, to the bit. SGLD included: its
// noise is a function of the update count.
class StatesRoundTrip : public testing::TestWithParam<std::string> {};

// Equal to the bit (NaN included).
uint32_t bits(float x) { return std::bit_cast<uint32_t>(x); }

TEST_P(StatesRoundTrip, TenSavedTenMoreIsTwenty) {
  json c = GetParam() == "sgld" ? case_named("sgd_plain") : case_named(GetParam());
  if (GetParam() == "sgld") c["optimizer"] = "sgld";
  const std::string optimizer = c["optimizer"].get<std::string>();

  auto straight = Optimizer::create(optimizer, params_of(c));
  const std::vector<ParamRef> straight_params = params_for(c);
  straight->create_states(straight_params);
  run_updates(*straight, straight_params, 1, 20);

  auto first = Optimizer::create(optimizer, params_of(c));
  const std::vector<ParamRef> params = params_for(c);
  first->create_states(params);
  run_updates(*first, params, 1, 10);
  test::TempDir dir;
  const std::string path = (dir.path() / "run-0001.states").string();
  TrainingState saved;
  saved.num_update = first->num_update();
  saved.optimizer = optimizer;
  for (const auto& [name, t] : first->states()) {
    saved.optimizer_states.names.push_back(name);
    saved.optimizer_states.arrays.push_back(t.clone());
  }
  save_training_state(path, saved);

  const TrainingState loaded = load_training_state(path);
  auto resumed = Optimizer::create(optimizer, params_of(c));
  resumed->create_states(params);
  const auto states = resumed->states();
  ASSERT_EQ(states.size(), loaded.optimizer_states.arrays.size());
  for (size_t i = 0; i < states.size(); ++i) {
    EXPECT_EQ(states[i].first, loaded.optimizer_states.names[i]);
    states[i].second.copy_from(loaded.optimizer_states.arrays[i]);
  }
  resumed->set_num_update(loaded.num_update);
  run_updates(*resumed, params, 11, 20);

  for (size_t i = 0; i < params.size(); ++i)
    for (int64_t k = 0; k < params[i].weight.size(); ++k)
      ASSERT_EQ(bits(params[i].weight.f32()[k]), bits(straight_params[i].weight.f32()[k]))
          << params[i].name << " " << k;
  const auto expected = straight->states();
  const auto got = resumed->states();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    for (int64_t k = 0; k < got[i].second.size(); ++k)
      ASSERT_EQ(bits(got[i].second.f32()[k]), bits(expected[i].second.f32()[k])) << got[i].first << " " << k;
}

INSTANTIATE_TEST_SUITE_P(Optimizers, StatesRoundTrip, testing::ValuesIn([] {
                           std::vector<std::string> ids = case_ids();
                           ids.push_back("sgld");
                           return ids;
                         }()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

// SGLD: w += (clip(g*rescale) + wd*w) * -lr/2, then N(0, sqrt(lr)) noise per
// element. MXNet's draws come from its own generator, so over many elements
// the mean must be the drift's and the spread sqrt(lr).
TEST(Sgld, DriftAndNoiseDistribution) {
  OptimizerParams o;
  o.learning_rate = 0.04;
  o.wd = 0.5f;
  o.rescale_grad = 0.5f;
  o.clip_gradient = 0.2f;
  auto opt = Optimizer::create("sgld", o);
  const int64_t n = 200000;
  ParamRef p;
  p.name = "fc_weight";
  p.weight = Tensor::full(Shape{n}, 1.0f);
  p.grad = Tensor::full(Shape{n}, 1.0f);
  opt->create_states({p});
  EXPECT_TRUE(opt->states().empty());
  opt->update({p});
  // drift: (min(1*0.5, 0.2) + 0.5*1) * -0.02 = -0.014
  double sum = 0, sum_sq = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double noise = p.weight.f32()[i] - (1.0 - 0.014);
    sum += noise;
    sum_sq += noise * noise;
  }
  const double mean = sum / n;
  const double stddev = std::sqrt(sum_sq / n - mean * mean);
  EXPECT_LT(std::fabs(mean), 5 * 0.2 / std::sqrt(double(n)));  // five standard errors
  EXPECT_NEAR(stddev, 0.2, 0.2 * 0.01);
  // Each update and each element draw afresh.
  EXPECT_NE(p.weight.f32()[0], p.weight.f32()[1]);
}

}  // namespace
}  // namespace fitbench
