// fitbench-score: MXNet's example/image-classification/score.py. Scores a
// checkpoint (fitbench's, MXNet Module's or a Gluon export) on validation
// data read as fitbench-cli reads it, and adds per-class accuracy and the
// confusion matrix; --output csv / json for scripts.
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitbench/cpu_threads.h"
#include "fitbench/evaluate.h"
#include "fitbench/fit_config.h"
#include "fitbench/fit_data.h"
#include "fitbench/metric.h"
#include "fitbench/tool_args.h"

namespace {

using fitbench::ArgSpec;
using fitbench::ArgType;

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(',', begin), text.size());
    if (end > begin) items.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return items;
}

// Rows name only the fields they set, as the FitArgs schema's do.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const fitbench::ToolCommandLine& command_line() {
  static const fitbench::ToolCommandLine cl(
      "fitbench-score",
      "Score a saved model on a validation set (MXNet's score.py). The model is --model-prefix with "
      "--load-epoch (prefix-symbol.json, prefix-%04d.params), or --symbol with --params.",
      fitbench::with_model_file_args({
          {.name = "metrics",
           .default_value = "acc,top_k_accuracy",
           .help = "comma separated: acc, top_k_accuracy (k from --top-k), ce, nll_loss",
           .validate = [](const std::string& text) -> std::optional<std::string> {
             for (const std::string& name : split_commas(text))
               if (!fitbench::is_metric_name(name))
                 return "'" + name + "' is not a metric; choose from acc, top_k_accuracy, ce, nll_loss";
             return std::nullopt;
           },
           .metavar = "LIST"},
          {.name = "top-k", .type = ArgType::Int, .default_value = "5", .help = "k of top_k_accuracy",
           .metavar = "K"},
          {.name = "num-examples", .type = ArgType::Int,
           .help = "score only the first N samples (score.py's max_num_examples)", .metavar = "N"},
          {.name = "synset", .help = "class names, one a line (MXNet's synset.txt)", .metavar = "FILE"},
          {.name = "output",
           .default_value = "text",
           .help = "text (score.py's lines and tables); csv (metrics as name,value, a blank line, then one "
                   "row per true class: class,name,count,accuracy,predicted_0..); json",
           .choices = {"text", "csv", "json"},
           .metavar = "FORMAT"},
      }),
      {"model-prefix", "load-epoch", "gpus", "data-val", "data-val-idx", "image-shape", "rgb-mean", "rgb-std",
       "batch-size", "num-classes", "data-nthreads"});
  return cl;
}
#pragma GCC diagnostic pop


std::string class_name(const std::vector<std::string>& names, size_t c) {
  return c < names.size() ? names[c] : std::to_string(c);
}

void print_text(const fitbench::EvaluateResult& r, const std::vector<std::string>& names) {
  // score.py: logging.info('Finished with %f images per second', speed), then each m.get().
  std::printf("Finished with %f images per second\n", r.samples_per_sec);
  for (const auto& [name, value] : r.metrics)
    std::printf("('%s', %s)\n", name.c_str(), fitbench::python_float_repr(value).c_str());
  std::printf("\nScored %lld samples in %.3f s\n\nPer-class accuracy:\n", static_cast<long long>(r.num_samples),
              r.seconds);
  for (size_t c = 0; c < r.class_counts.size(); ++c)
    std::printf("  %-24s %8lld samples  accuracy %.4f\n", class_name(names, c).c_str(),
                static_cast<long long>(r.class_counts[c]), r.per_class_accuracy[c]);
  std::printf("\nConfusion matrix (rows: true class, columns: predicted class):\n%8s", "");
  for (size_t p = 0; p < r.confusion.size(); ++p) std::printf(" %7zu", p);
  std::printf("\n");
  for (size_t t = 0; t < r.confusion.size(); ++t) {
    std::printf("%8zu", t);
    for (int64_t n : r.confusion[t]) std::printf(" %7lld", static_cast<long long>(n));
    std::printf("\n");
  }
}

void print_csv(const fitbench::EvaluateResult& r, const std::vector<std::string>& names) {
  std::printf("name,value\n");
  for (const auto& [name, value] : r.metrics) std::printf("%s,%s\n", name.c_str(), fitbench::python_float_repr(value).c_str());
  std::printf("samples_per_sec,%f\nnum_samples,%lld\n\nclass,name,count,accuracy", r.samples_per_sec,
              static_cast<long long>(r.num_samples));
  for (size_t p = 0; p < r.confusion.size(); ++p) std::printf(",predicted_%zu", p);
  std::printf("\n");
  for (size_t t = 0; t < r.confusion.size(); ++t) {
    std::string name = class_name(names, t);
    std::string quoted = "\"";
    for (char ch : name) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    std::printf("%zu,%s\",%lld,%s", t, quoted.c_str(), static_cast<long long>(r.class_counts[t]),
                std::isnan(r.per_class_accuracy[t]) ? "" : fitbench::python_float_repr(r.per_class_accuracy[t]).c_str());
    for (int64_t n : r.confusion[t]) std::printf(",%lld", static_cast<long long>(n));
    std::printf("\n");
  }
}

void print_json(const fitbench::EvaluateResult& r, const std::vector<std::string>& names) {
  const auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json j;
  j["metrics"] = nlohmann::json::object();
  for (const auto& [name, value] : r.metrics) j["metrics"][name] = number(value);
  j["num_samples"] = r.num_samples;
  j["seconds"] = r.seconds;
  j["samples_per_sec"] = r.samples_per_sec;
  j["classes"] = nlohmann::json::array();
  for (size_t c = 0; c < r.class_counts.size(); ++c)
    j["classes"].push_back(
        {{"class", c}, {"name", class_name(names, c)}, {"count", r.class_counts[c]}, {"accuracy", number(r.per_class_accuracy[c])}});
  j["confusion"] = r.confusion;
  j["misclassified"] = r.misclassified;
  std::printf("%s\n", j.dump(1).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  fitbench::prepare_cpu_threads(argv);
  return command_line().run(argc, argv, [](const fitbench::ToolArgs& a) {
    const fitbench::Device device = fitbench::tool_device(a);
    std::string params_file;
    const fitbench::Checkpoint model = fitbench::load_tool_model(a, params_file);
    const fitbench::FitConfig config = fitbench::FitConfig::resolve(a.fit);
    // Without data arguments this scores Debian's Fashion-MNIST test set, as fitbench-cli validates on it.
    const auto val = fitbench::make_val_data(config);
    if (!val) throw fitbench::Error("no validation data: give --data-val");

    fitbench::EvaluateOptions options;
    options.metrics = split_commas(a.get("metrics"));
    options.top_k = a.get_int("top-k");
    options.num_classes = config.num_classes.value_or(0);
    options.max_examples = a.has("num-examples") ? a.get_int("num-examples") : 0;
    options.params_source = params_file;
    options.device = device;
    const auto result = fitbench::evaluate(model, *val, options);
    const auto names = a.has("synset") ? fitbench::load_synset(a.get("synset")) : config.default_class_names();
    const std::string output = a.get("output");
    if (output == "csv")
      print_csv(result, names);
    else if (output == "json")
      print_json(result, names);
    else
      print_text(result, names);
    return 0;
  });
}
