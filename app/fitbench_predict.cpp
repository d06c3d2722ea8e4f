// fitbench-predict: runs inputs through a saved model and prints the most
// probable classes. Each kind of input is one source function that yields
// (C, H, W) float tensors: idx image files, and PNG / JPEG files converted as
// the run's validation images were.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "fitbench/cpu_threads.h"
#include "fitbench/data_iter.h"
#include "fitbench/evaluate.h"
#include "fitbench/fit_config.h"
#include "fitbench/fit_data.h"
#include "fitbench/image_input.h"
#include "fitbench/tool_args.h"

namespace {

using fitbench::ArgSpec;
using fitbench::ArgType;

// Rows name only the fields they set, as the FitArgs schema's do.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const fitbench::ToolCommandLine& command_line() {
  static const fitbench::ToolCommandLine cl(
      "fitbench-predict",
      "Print the top classes a saved model gives each input, with their probabilities.\n"
      "An INPUT is an idx images file (MNIST / Fashion-MNIST, gzip or raw; its labels file beside it) with an "
      "optional range of samples, counted from 0 and inclusive:\n"
      "  t10k-images-idx3-ubyte.gz:0-9   samples 0 to 9\n"
      "  t10k-images-idx3-ubyte.gz:42    sample 42\n"
      "  t10k-images-idx3-ubyte.gz       every sample\n"
      "Pixels are scaled to [0, 1] as fitbench-cli reads idx data.\n"
      "An INPUT may also be a PNG or JPEG file: it is converted to --image-shape (gray or RGB, scaled to cover, "
      "centre cropped) and normalised as the model's training run read its data: pixel / 255 for idx data (no "
      "--data-train / --data-val, or idx files), --rgb-mean and --rgb-std for image data (.rec, CIFAR-10, "
      "image folders).",
      fitbench::with_model_file_args({
          {.name = "top-k", .type = ArgType::Int, .default_value = "5",
           .help = "how many classes to print per input", .metavar = "K"},
          {.name = "synset", .help = "class names, one a line (MXNet's synset.txt)", .metavar = "FILE"},
      }),
      {"model-prefix", "load-epoch", "gpus", "image-shape", "rgb-mean", "rgb-std", "data-train", "data-val",
       "max-image-pixels"},
      "INPUT [INPUT ...]");
  return cl;
}
#pragma GCC diagnostic pop

struct Input {
  std::string name;      // "file:index"
  fitbench::Tensor image;  // (C, H, W) float32
  std::optional<int> label;
};

// Samples [first, last] of an idx images file ("path", "path:3", "path:0-9").
std::vector<Input> idx_source(const std::string& spec) {
  static const std::regex range(R"((.*):(\d+)(?:-(\d+))?)");
  std::smatch m;
  std::string path = spec;
  std::optional<int64_t> first, last;
  if (std::regex_match(spec, m, range)) {
    path = m[1];
    first = std::stoll(m[2]);
    last = m[3].matched ? std::stoll(m[3]) : *first;
    if (*last < *first) fitbench::fail(spec, ": the range ends before it starts");
  }
  std::string labels = path;
  const auto pos = labels.find("images-idx3");
  if (pos == std::string::npos)
    fitbench::fail(spec, ": expected an idx images file named like t10k-images-idx3-ubyte.gz");
  labels.replace(pos, 11, "labels-idx1");
  const fitbench::IdxDataset data = fitbench::load_idx(path, labels);
  const int64_t count = data.images.shape()[0];
  const int64_t begin = first.value_or(0), end = last.value_or(count - 1);
  if (end >= count) fitbench::fail(spec, ": ", path, " holds ", count, " samples (0 to ", count - 1, ")");
  const fitbench::Shape image_shape{data.images.shape()[1], data.images.shape()[2], data.images.shape()[3]};
  std::vector<Input> inputs;
  for (int64_t i = begin; i <= end; ++i) {
    fitbench::Tensor image(image_shape);
    std::copy_n(data.images.f32() + i * image_shape.size(), image_shape.size(), image.f32());
    inputs.push_back({path + ":" + std::to_string(i), image, static_cast<int>(data.labels.f32()[i])});
  }
  return inputs;
}

// A PNG or JPEG file as the model's input; none, with a warning, when it
// cannot be decoded or is larger than --max-image-pixels.
std::vector<Input> image_file_source(const std::string& path, const fitbench::InputFormat& format,
                                     int64_t max_pixels) {
  try {
    return {{path, fitbench::image_to_input(fitbench::read_image_file(path, format.channels, max_pixels), format),
             std::nullopt}};
  } catch (const fitbench::ImageDecodeError& e) {
    std::fprintf(stderr, "fitbench-predict: warning: %s; skipped\n", e.what());
    return {};
  }
}

bool is_image_file(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// The source an INPUT belongs to.
std::vector<Input> read_input(const std::string& spec, const fitbench::InputFormat& format, int64_t max_pixels) {
  if (is_image_file(spec)) return image_file_source(spec, format, max_pixels);
  return idx_source(spec);
}

std::string class_name(const std::vector<std::string>& names, int c) {
  return c < static_cast<int>(names.size()) ? std::to_string(c) + " " + names[static_cast<size_t>(c)]
                                            : std::to_string(c);
}

}  // namespace

int main(int argc, char** argv) {
  fitbench::prepare_cpu_threads(argv);
  return command_line().run(argc, argv, [](const fitbench::ToolArgs& a) {
    const fitbench::Device device = fitbench::tool_device(a);
    if (a.positional.empty()) throw fitbench::ArgError("give at least one INPUT (see fitbench-predict --help)");
    if (a.get_int("top-k") < 1) throw fitbench::ArgError("argument --top-k: must be at least 1");
    std::string params_file;
    const fitbench::Checkpoint model = fitbench::load_tool_model(a, params_file);
    const fitbench::FitConfig config = fitbench::FitConfig::resolve(a.fit);
    // A model trained on the default data knows Fashion-MNIST's names.
    const auto names = a.has("synset") ? fitbench::load_synset(a.get("synset")) : config.default_class_names();
    const fitbench::InputFormat format = fitbench::input_format(config);
    std::optional<fitbench::Predictor> predictor;
    int64_t predicted = 0;
    for (const auto& spec : a.positional) {
      for (const Input& input : read_input(spec, format, config.max_image_pixels)) {
        ++predicted;
        std::vector<int64_t> dims{1};
        for (int64_t d : input.image.shape().dims()) dims.push_back(d);
        const fitbench::Shape batch_shape(dims);
        if (!predictor || predictor->data_shape() != batch_shape) predictor.emplace(model, batch_shape, params_file, device);
        const fitbench::Tensor& probs = predictor->probabilities(input.image.reshape(batch_shape));
        std::printf("%s", input.name.c_str());
        if (input.label) std::printf("  (label %s)", class_name(names, *input.label).c_str());
        std::printf("\n");
        for (const auto& [c, p] : fitbench::top_classes(probs, 0, a.get_int("top-k")))
          std::printf("  %.6f  %s\n", p, class_name(names, c).c_str());
      }
    }
    // Skipped inputs were warned about; only a run with nothing to show fails.
    if (predicted == 0) fitbench::fail("none of the inputs could be read");
    return 0;
  });
}
