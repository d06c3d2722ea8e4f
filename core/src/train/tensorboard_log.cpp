#include "train/tensorboard_log.h"

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "fitbench/error.h"
#include "fitbench/file_util.h"
#include "io/tfrecord.h"
#include "proto/tensorboard.pb.h"

namespace fitbench {
namespace {

namespace tb = fitbench::tensorboard;

void write_event(io::TfRecordWriter& writer, const tb::Event& event) {
  writer.write(event.SerializeAsString());
}

tb::Event summary_event(int64_t step, double wall_time) {
  tb::Event event;
  event.set_wall_time(wall_time);
  event.set_step(step);
  event.mutable_summary();
  return event;
}

void add_scalar(tb::Event& event, const std::string& tag, double value) {
  tb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  v->set_simple_value(static_cast<float>(value));
}

// A plugin's summary: metadata naming it, and a tensor (the text, or the hparams plugin's empty one).
tb::Summary::Value* add_plugin_value(tb::Event& event, const std::string& tag, const std::string& plugin,
                                     const std::string& content) {
  tb::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  v->mutable_metadata()->mutable_plugin_data()->set_plugin_name(plugin);
  v->mutable_metadata()->mutable_plugin_data()->set_content(content);
  return v;
}

// The hparams plugin's summaries carry an empty float tensor of shape (0,).
void add_hparams(tb::Event& event, const std::string& tag, const tb::HParamsPluginData& data) {
  tb::TensorProto* t = add_plugin_value(event, tag, "hparams", data.SerializeAsString())->mutable_tensor();
  t->set_dtype(tb::DT_FLOAT);
  t->mutable_tensor_shape()->add_dim()->set_size(0);
}

// An argument's value as config.json's JSON holds it, in words: None, a string's text, a number's digits.
std::string value_text(const nlohmann::json& value) {
  return value.is_null() ? "None" : value.is_string() ? value.get<std::string>() : value.dump();
}

// "| argument | value |" rows in Markdown, which the text plugin renders as a table.
std::string arguments_table(const nlohmann::json& arguments) {
  std::string table = "| argument | value |\n|---|---|\n";
  for (const auto& [name, value] : arguments.items())
    table += "| --" + name + " | " + value_text(value) + " |\n";
  return table;
}

tb::Status session_status(const std::string& end_status) {
  if (end_status == "finished") return tb::STATUS_SUCCESS;
  if (end_status == "failed" || end_status == "diverged") return tb::STATUS_FAILURE;
  return tb::STATUS_UNKNOWN;  // stopped: neither
}

std::string events_file_name(double start_time) {
  return "events.out.tfevents." + std::to_string(static_cast<int64_t>(start_time)) + "." + host_name() + "." +
         std::to_string(getpid()) + ".fitbench";
}

}  // namespace

TensorBoardLog::TensorBoardLog(const std::string& run_dir, const nlohmann::json& arguments,
                               double start_time) {
  const std::filesystem::path dir = std::filesystem::path(run_dir) / "tb";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("cannot create the TensorBoard directory '", dir.string(), "': ", ec.message());
  writer_ = std::make_unique<io::TfRecordWriter>((dir / events_file_name(start_time)).string());

  tb::Event version;
  version.set_wall_time(start_time);
  version.set_file_version("brain.Event:2");
  write_event(*writer_, version);

  tb::Event start = summary_event(0, start_time);
  tb::TensorProto* text = add_plugin_value(start, "arguments", "text", "")->mutable_tensor();
  text->set_dtype(tb::DT_STRING);
  text->add_string_val(arguments_table(arguments));
  tb::HParamsPluginData session;
  tb::SessionStartInfo* info = session.mutable_session_start_info();
  info->set_start_time_secs(start_time);
  for (const auto& [name, value] : arguments.items()) {
    if (value.is_null()) continue;
    google::protobuf::Value& hparam = (*info->mutable_hparams())[name];
    if (value.is_number())
      hparam.set_number_value(value.get<double>());
    else
      hparam.set_string_value(value_text(value));
  }
  add_hparams(start, "_hparams_/session_start_info", session);
  write_event(*writer_, start);
}

TensorBoardLog::~TensorBoardLog() = default;

const std::string& TensorBoardLog::path() const { return writer_->path(); }

void TensorBoardLog::record(const RunRecord& record) {
  const double now = unix_time_now();
  if (const auto* batch = std::get_if<BatchRecord>(&record)) {
    tb::Event event = summary_event(batch->num_update, now);
    add_scalar(event, "batch/loss", batch->loss);
    add_scalar(event, "batch/lr", batch->learning_rate);
    add_scalar(event, "batch/samples_per_sec", batch->samples_per_sec);
    // Just after a Speedometer line the local metrics count no sample yet: NaN, left out.
    for (const auto& [name, value] : batch->metrics)
      if (!std::isnan(value)) add_scalar(event, "batch/" + name, value);
    write_event(*writer_, event);
  } else if (const auto* epoch = std::get_if<EpochRecord>(&record)) {
    tb::Event event = summary_event(epoch->num_update, now);
    for (const auto& [name, value] : epoch->train) add_scalar(event, "epoch/train-" + name, value);
    for (const auto& [name, value] : epoch->validation) add_scalar(event, "epoch/validation-" + name, value);
    add_scalar(event, "epoch/time_cost", epoch->time_cost);
    add_scalar(event, "epoch/lr", epoch->learning_rate);
    write_event(*writer_, event);
  } else if (const auto* end = std::get_if<EndRecord>(&record)) {
    tb::Event event = summary_event(0, end->time);
    tb::HParamsPluginData session;
    session.mutable_session_end_info()->set_status(session_status(end->status));
    session.mutable_session_end_info()->set_end_time_secs(end->time);
    add_hparams(event, "_hparams_/session_end_info", session);
    write_event(*writer_, event);
  }
}

// The monitor's equal-width bins over [min, max], as TensorBoard's buckets (right edges).
void TensorBoardLog::histograms(const MonitorSnapshot& snapshot, int64_t step) {
  tb::Event event = summary_event(step, unix_time_now());
  for (const MonitorStat& stat : snapshot.stats) {
    if (stat.update_ratio < 0 || stat.histogram.empty()) continue;  // learnable parameters only
    tb::Summary::Value* v = event.mutable_summary()->add_value();
    v->set_tag("weights/" + stat.name);
    tb::HistogramProto* h = v->mutable_histo();
    const double width = (stat.max - stat.min) / static_cast<double>(stat.histogram.size());
    double count = 0;
    for (size_t i = 0; i < stat.histogram.size(); ++i) {
      h->add_bucket_limit(i + 1 == stat.histogram.size() ? stat.max
                                                         : stat.min + width * static_cast<double>(i + 1));
      h->add_bucket(static_cast<double>(stat.histogram[i]));
      count += static_cast<double>(stat.histogram[i]);
    }
    h->set_min(stat.min);
    h->set_max(stat.max);
    h->set_num(count);
    h->set_sum(stat.sum);
    h->set_sum_squares(stat.rms * stat.rms * count);
  }
  if (event.summary().value_size() > 0) write_event(*writer_, event);
}

}  // namespace fitbench
