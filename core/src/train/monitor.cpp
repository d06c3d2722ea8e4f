#include "train/monitor.h"

#include <algorithm>
#include <cmath>

#include "pyformat.h"

namespace fitbench {
namespace {

double rms(const Tensor& t) {
  double sum = 0;
  const float* p = t.f32();
  for (int64_t i = 0; i < t.size(); ++i) sum += double(p[i]) * p[i];
  return t.size() ? std::sqrt(sum / double(t.size())) : 0.0;
}

// RMS, range and histogram of `t`. NaN and Inf clear `finite` and stay out of
// the range and the histogram, so one bad value does not hide the others.
MonitorStat stat_of(const std::string& name, const Tensor& t) {
  MonitorStat s;
  s.name = name;
  s.rms = rms(t);
  const float* p = t.f32();
  bool any = false;
  for (int64_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(p[i])) {
      s.finite = false;
      continue;
    }
    s.sum += p[i];
    s.min = any ? std::min<double>(s.min, p[i]) : p[i];
    s.max = any ? std::max<double>(s.max, p[i]) : p[i];
    any = true;
  }
  s.histogram.assign(kMonitorHistogramBins, 0);
  const double width = (s.max - s.min) / kMonitorHistogramBins;
  for (int64_t i = 0; i < t.size(); ++i) {
    if (!std::isfinite(p[i])) continue;
    const int bin = width > 0 ? static_cast<int>((p[i] - s.min) / width) : 0;
    ++s.histogram[static_cast<size_t>(std::min(bin, kMonitorHistogramBins - 1))];
  }
  return s;
}

// norm(after - before) / norm(after); 0 when nothing changed.
double update_ratio(const Tensor& before, const Tensor& after) {
  double change = 0, weight = 0;
  const float* b = before.f32();
  const float* a = after.f32();
  for (int64_t i = 0; i < after.size(); ++i) {
    const double d = double(a[i]) - b[i];
    change += d * d;
    weight += double(a[i]) * a[i];
  }
  if (change == 0) return 0.0;
  return std::sqrt(change) / std::sqrt(weight);
}

// The first filters of a (filters, channels, kh, kw) weight, within the
// kMonitorMaxFilters x kMonitorMaxChannels bound of MonitorStat::values.
void copy_filters(MonitorStat& s, const Tensor& weight) {
  const auto& d = weight.shape().dims();
  const int64_t filters = std::min(d[0], kMonitorMaxFilters);
  const int64_t channels = std::min(d[1], kMonitorMaxChannels);
  const int64_t kernel = d[2] * d[3];
  s.values_shape = {filters, channels, d[2], d[3]};
  s.values.reserve(static_cast<size_t>(filters * channels * kernel));
  const float* p = weight.f32();
  for (int64_t f = 0; f < filters; ++f)
    for (int64_t c = 0; c < channels; ++c) {
      const float* k = p + (f * d[1] + c) * kernel;
      s.values.insert(s.values.end(), k, k + kernel);
    }
}

}  // namespace

Tensor on_host(const Tensor& t) { return t.device().is_cpu() ? t : t.to(Device::cpu()); }

void Monitor::tic(int epoch) {
  const bool due = interval_ > 0 && step_ % interval_ == 0;
  ++step_;
  collecting_ = false;
  if (due) collect(epoch);
}

void Monitor::collect(int epoch) {
  collecting_ = true;
  snapshot_ = MonitorSnapshot{epoch, step_, {}};
  lines_.clear();
}

void Monitor::observe(const std::string& name, const Tensor& value) {
  if (collecting_) add(name, on_host(value));
}

MonitorStat& Monitor::add(const std::string& name, const Tensor& value) {
  snapshot_.stats.push_back(stat_of(name, value));
  lines_.emplace_back(name, python_float32_str(static_cast<float>(snapshot_.stats.back().rms)));
  return snapshot_.stats.back();
}

void Monitor::before_update(const std::vector<ParamRef>& params) {
  if (!collecting_) return;
  weights_before_.clear();
  for (const auto& p : params) weights_before_.push_back(p.weight.to(Device::cpu()).clone());
}

// Each line "Batch: %7d %-30s %s\t", as toc_print writes it.
const MonitorSnapshot* Monitor::toc(const Symbol& symbol, ExecutorGroup& group,
                                    const std::function<void(const std::string&)>& log, TrainingObserver* observer) {
  if (!collecting_) return nullptr;
  group.pull_aux();
  const auto& params = group.param_names();
  for (const auto& name : symbol.list_arguments()) {
    const auto it = std::find(params.begin(), params.end(), name);
    if (it == params.end()) {
      add(name, on_host(group.executor(0).input(name)));
      continue;
    }
    const Tensor weight = on_host(group.param(name));
    MonitorStat& stat = add(name, weight);
    stat.update_ratio = update_ratio(weights_before_[static_cast<size_t>(it - params.begin())], weight);
    if (weight.shape().ndim() == 4) copy_filters(stat, weight);
  }
  for (const auto& name : group.aux_names()) add(name, on_host(group.aux(name)));
  for (const auto& [name, value] : lines_)
    log(printf_string("Batch: %7lld %-30s %s\t", static_cast<long long>(step_), name.c_str(), value.c_str()));
  for (const auto& name : group.param_names())
    snapshot_.stats.push_back(stat_of(name + "_grad", on_host(group.grad(name))));
  if (observer) observer->on_monitor(snapshot_);
  collecting_ = false;
  return &snapshot_;
}

}  // namespace fitbench
