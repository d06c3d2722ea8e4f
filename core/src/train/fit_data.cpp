// fit.py's data sources as a FitConfig names them: Fashion-MNIST / MNIST idx
// files, RecordIO files, CIFAR-10 binary batches, folders of class
// sub-folders, or synthetic data for --benchmark 1; and the augmentation and
// input format the data arguments describe.
#include "fitbench/fit_data.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "data/batch_tensors.h"
#include "fitbench/error.h"
#include "fitbench/fit_args.h"
#include "fitbench/image_iter.h"

namespace fitbench {

namespace {

// Batches each prefetch iterator keeps ready: image sources decode further ahead.
constexpr int kIdxPrefetch = 2;
constexpr int kImagePrefetch = 4;

std::string existing(const std::vector<std::string>& candidates) {
  for (const auto& c : candidates)
    if (std::filesystem::exists(c)) return c;
  return {};
}

// Resolves an idx images file (or a directory holding the standard names)
// and its labels file.
std::pair<std::string, std::string> idx_pair(const std::string& given, const std::string& stem, const std::string& arg) {
  std::string images = given;
  if (std::filesystem::is_directory(given)) {
    images = existing({given + "/" + stem + "-images-idx3-ubyte.gz", given + "/" + stem + "-images-idx3-ubyte"});
    if (images.empty()) fail("--", arg, " ", given, ": the directory has no ", stem, "-images-idx3-ubyte(.gz)");
  } else if (!std::filesystem::exists(given)) {
    fail("--", arg, " ", given, ": no such file or directory");
  }
  std::string labels = images;
  const auto pos = labels.find("images-idx3");
  if (pos == std::string::npos)
    fail("--", arg, " ", images, ": expected an idx images file named like train-images-idx3-ubyte.gz");
  labels.replace(pos, 11, "labels-idx1");
  if (!std::filesystem::exists(labels)) fail("--", arg, " ", images, ": its labels file ", labels, " is missing");
  return {images, labels};
}

bool has_idx_files(const std::string& dir) {
  for (const char* stem : {"train", "t10k"})
    if (!existing({dir + "/" + stem + "-images-idx3-ubyte.gz", dir + "/" + stem + "-images-idx3-ubyte"}).empty())
      return true;
  return false;
}

// The image sources, for a path is_image_data() accepts.
std::unique_ptr<DataIter> image_iter(const std::string& path, const std::string& idx, bool train,
                                     const ImageIterOptions& options) {
  if (std::filesystem::is_regular_file(path)) return make_record_iter(path, idx, options);
  if (is_cifar10_dir(path)) return make_cifar10_iter(path, train, options);
  return make_image_folder_iter(path, options);
}

// Worker `part`'s rows of each batch of `inner`, whose batches hold
// `parts` workers' batches side by side (the DataPartition rule for idx data).
class PartIter final : public DataIter {
 public:
  PartIter(std::unique_ptr<DataIter> inner, int parts, int part) : inner_(std::move(inner)), part_(part) {
    batch_ = inner_->data_shape()[0] / parts;
    const int64_t n = inner_->num_examples();
    examples_ = n * (part + 1) / parts - n * part / parts;
  }

  void reset() override { inner_->reset(); }

  bool next(DataBatch& batch) override {
    if (!inner_->next(whole_)) return false;
    reuse_or_allocate(batch.data, data_shape(), whole_.data.dtype());
    reuse_or_allocate(batch.label, label_shape(), whole_.label.dtype());
    copy_part(whole_.data, batch.data);
    copy_part(whole_.label, batch.label);
    const int64_t valid = whole_.data.shape()[0] - whole_.pad - part_ * batch_;
    batch.pad = static_cast<int>(batch_ - std::clamp<int64_t>(valid, 0, batch_));
    return true;
  }

  Shape data_shape() const override { return with_batch(inner_->data_shape()); }
  Shape label_shape() const override { return with_batch(inner_->label_shape()); }
  int64_t num_examples() const override { return examples_; }
  std::string save_state() const override { return inner_->save_state(); }
  void load_state(const std::string& state) override { inner_->load_state(state); }

 private:
  Shape with_batch(const Shape& shape) const {
    std::vector<int64_t> dims = shape.dims();
    dims[0] = batch_;
    return Shape(std::move(dims));
  }

  void copy_part(const Tensor& from, const Tensor& to) const {
    const size_t bytes = to.bytes();
    std::memcpy(to.raw(), static_cast<const char*>(from.raw()) + static_cast<size_t>(part_) * bytes, bytes);
  }

  std::unique_ptr<DataIter> inner_;
  int part_;
  int64_t batch_ = 0;
  int64_t examples_ = 0;
  DataBatch whole_;
};

class ResizeIter final : public DataIter {
 public:
  ResizeIter(std::unique_ptr<DataIter> inner, int64_t batches) : inner_(std::move(inner)), batches_(batches) {}

  void reset() override {
    done_ = 0;
    inner_->reset();
  }

  bool next(DataBatch& batch) override {
    if (done_ >= batches_) return false;
    if (!inner_->next(batch)) {
      inner_->reset();
      if (!inner_->next(batch)) fail("the training data has no batch to read");
    }
    ++done_;
    return true;
  }

  Shape data_shape() const override { return inner_->data_shape(); }
  Shape label_shape() const override { return inner_->label_shape(); }
  int64_t num_examples() const override { return inner_->num_examples(); }
  std::string save_state() const override { return inner_->save_state(); }
  void load_state(const std::string& state) override { inner_->load_state(state); }

 private:
  std::unique_ptr<DataIter> inner_;
  int64_t batches_;
  int64_t done_ = 0;
};

Tensor first_rows(const Tensor& t, int64_t rows) {
  if (rows >= t.shape()[0]) return t;
  std::vector<int64_t> dims = t.shape().dims();
  dims[0] = rows;
  return Tensor(t.storage(), t.offset(), Shape(dims), t.dtype());
}

// --data-train and --data-val, with Debian's Fashion-MNIST standing in for
// both when --data-train is not given.
std::pair<std::string, std::string> data_paths(const FitConfig& config) {
  std::string train = config.data_train, val = config.data_val;
  if (train.empty()) {
    if (const std::string missing = default_data_missing(); !missing.empty()) fail(missing);
    train = default_fashion_mnist_dir();
    if (val.empty()) val = train;
  }
  return {train, val};
}

ImageIterOptions image_options(const FitConfig& config, uint64_t seed, const DataPartition& partition) {
  ImageIterOptions options;
  options.batch_size = config.batch_size;
  options.threads = config.data_nthreads;
  options.seed = seed;
  options.num_classes = config.num_classes.value_or(0);
  options.num_parts = partition.num_parts;
  options.part_index = partition.part_index;
  options.max_image_pixels = config.max_image_pixels;
  return options;
}

// Every label before training starts, naming the file: found at its batch, a
// bad validation label would stop the run after a checkpoint was written.
// `classes` 0 checks nothing (scoring: the model says how many there are).
void check_labels(const Tensor& labels, int classes, const std::string& file) {
  if (classes <= 0) return;
  const float* l = labels.f32();
  for (int64_t i = 0; i < labels.size(); ++i)
    if (!(l[i] >= 0 && l[i] < static_cast<float>(classes)))
      fail(file, ": the label of sample ", i, " is ", l[i], ", not one of the ", classes,
           " classes the network predicts (--num-classes)");
}

void check_image_shape(const FitConfig& config, const Tensor& images, const std::string& file) {
  const std::vector<int> image_shape = config.sample_shape();
  const auto& s = images.shape();
  if (image_shape.size() == 3 && (s[1] != image_shape[0] || s[2] != image_shape[1] || s[3] != image_shape[2]))
    fail("--image-shape ", config.sample_shape_text(), " does not match the images in ", file, " (", s[1], ",",
         s[2], ",", s[3], ")");
}

std::unique_ptr<DataIter> val_iter(const FitConfig& config, const std::string& val,
                                   const ImageIterOptions& options) {
  if (is_image_data(val)) {
    ImageIterOptions v = options;
    v.role = "the validation data";
    v.augment = val_augment_params(config);
    return make_prefetch_iter(image_iter(val, config.data_val_idx, false, v), kImagePrefetch);
  }
  const auto [images, labels] = idx_pair(val, "t10k", "data-val");
  IdxDataset v = load_idx(images, labels);
  check_image_shape(config, v.images, images);
  check_labels(v.labels, options.num_classes, labels);
  return make_ndarray_iter(v.images, v.labels, options.batch_size, false, options.seed);
}

std::array<float, 3> three(const std::vector<double>& values, const std::string& arg) {
  if (values.size() != 3)
    throw ArgError("argument --" + arg + ": needs 3 comma-separated values (R,G,B) for image data, got " +
                   std::to_string(values.size()));
  return {static_cast<float>(values[0]), static_cast<float>(values[1]), static_cast<float>(values[2])};
}

AugmentParams common_params(const FitConfig& config) {
  const std::vector<int> image_shape = config.sample_shape();
  if (image_shape.size() != 3 || (image_shape[0] != 1 && image_shape[0] != 3))
    fail("--image-shape ", config.sample_shape_text(),
         ": image data needs channels,height,width with 1 or 3 channels, e.g. 3,224,224");
  AugmentParams p;
  p.channels = image_shape[0];
  p.height = image_shape[1];
  p.width = image_shape[2];
  p.mean = three(config.rgb_mean, "rgb-mean");
  p.std = three(config.rgb_std, "rgb-std");
  return p;
}


}  // namespace

std::string default_data_missing() {
  const std::string dir = default_fashion_mnist_dir();
  if (std::filesystem::is_directory(dir)) return "";
  return "the default data set (Fashion-MNIST) is not installed at " + dir +
         ": install the Debian package dataset-fashion-mnist, or give --data-train";
}

bool is_image_data(const std::string& path) {
  if (std::filesystem::is_regular_file(path)) return std::filesystem::path(path).extension() == ".rec";
  return std::filesystem::is_directory(path) && !has_idx_files(path);
}

FitData make_fit_data(const FitConfig& config, uint64_t seed, const DataPartition& partition,
                      const std::function<void(const std::string&)>& warn) {
  const int batch = config.batch_size;
  FitData d;
  if (config.benchmark) {
    // fit.py's SyntheticDataIter runs while cur_iter <= num_examples / batch_size
    // (true division): the whole batches of an epoch of --num-examples.
    if (!config.num_examples)
      fail("--benchmark 1 needs --num-examples: an epoch of synthetic data is num-examples / batch-size batches");
    const int batches = *config.num_examples / batch;
    if (batches < 1)
      fail("--benchmark 1 with --num-examples ", *config.num_examples, " and --batch-size ", batch,
           " gives no batch: raise --num-examples to at least the batch size");
    std::vector<int64_t> dims{batch};
    for (int v : config.sample_shape()) dims.push_back(v);
    d.train = make_synthetic_iter(Shape(dims), config.classes(), batches, seed);
    return d;
  }
  const auto [train, val] = data_paths(config);
  ImageIterOptions options = image_options(config, seed, partition);
  options.warn = warn;
  // Training builds a network of config.classes() outputs: every label must fit it.
  options.num_classes = config.classes();
  // Training and validation share one budget: --image-cache-mb is the run's.
  if (config.image_cache_mb > 0)
    options.decoded_cache = std::make_shared<DecodedImageBudget>(config.image_cache_bytes());
  if (is_image_data(train)) {
    ImageIterOptions t = options;
    t.role = "the training data";
    t.shuffle = true;
    t.augment = train_augment_params(config);
    if (config.num_examples) t.max_examples = *config.num_examples;
    d.train =
        make_prefetch_iter(image_iter(train, config.data_train_idx, true, t), kImagePrefetch);
  } else {
    const auto [images, labels] = idx_pair(train, "train", "data-train");
    IdxDataset t = load_idx(images, labels);
    if (config.num_examples) {
      // fitbench uses --num-examples to train on the first N samples as well.
      const int64_t n = *config.num_examples;
      t.images = first_rows(t.images, n);
      t.labels = first_rows(t.labels, n);
    }
    check_image_shape(config, t.images, images);
    check_labels(t.labels, options.num_classes, labels);
    const int parts = partition.num_parts;
    auto iter = make_ndarray_iter(t.images, t.labels, batch * parts, true, seed);
    if (parts > 1) iter = std::make_unique<PartIter>(std::move(iter), parts, partition.part_index);
    d.train = make_prefetch_iter(std::move(iter), kIdxPrefetch);
  }
  if (!val.empty()) d.val = val_iter(config, val, options);
  return d;
}

DataFootprint fit_data_footprint(const FitConfig& config, const DataPartition& partition) {
  // The synthetic batch, handed out without a copy.
  if (config.benchmark) return {0, 1};
  const auto [train, val] = data_paths(config);
  DataFootprint f;
  // An idx pair is held whole as float32 (even past --num-examples); image
  // sources hold CIFAR-10's files, or up to --image-cache-mb of decoded
  // images. Beside each prefetch ring, fit() has one batch of its own from
  // each iterator.
  bool decodes = false;
  const auto add = [&](const std::string& path, bool training) {
    if (is_image_data(path)) {
      if (is_cifar10_dir(path))
        f.fixed_bytes += cifar10_bytes(path, training);
      else
        decodes = true;
      f.batches += kImagePrefetch + 1;
      return;
    }
    const auto dims = idx_image_dims(
        idx_pair(path, training ? "train" : "t10k", training ? "data-train" : "data-val").first);
    f.fixed_bytes += dims[0] * (dims[1] * dims[2] + 1) * static_cast<int64_t>(sizeof(float));
    f.batches += training ? kIdxPrefetch + 1 : 1;
    // PartIter reads every worker's rows of a batch.
    if (training && partition.num_parts > 1) f.batches += partition.num_parts;
  };
  add(train, true);
  if (!val.empty()) add(val, false);
  if (decodes) f.fixed_bytes += config.image_cache_bytes();
  return f;
}

std::unique_ptr<DataIter> make_resize_iter(std::unique_ptr<DataIter> inner, int64_t batches) {
  return std::make_unique<ResizeIter>(std::move(inner), batches);
}

std::unique_ptr<DataIter> make_val_data(const FitConfig& config) {
  const std::string val = data_paths(config).second;
  if (val.empty()) return nullptr;
  return val_iter(config, val, image_options(config, 0, {}));
}

AugmentParams train_augment_params(const FitConfig& config) {
  AugmentParams p = common_params(config);
  p.rand_crop = config.random_crop != 0;
  p.rand_mirror = config.random_mirror != 0;
  p.max_rotate_angle = config.max_random_rotate_angle;
  p.max_shear_ratio = static_cast<float>(config.max_random_shear_ratio);
  p.min_random_scale = static_cast<float>(config.min_random_scale);
  p.max_random_scale = static_cast<float>(config.max_random_scale);
  if (p.min_random_scale > p.max_random_scale)
    fail("--min-random-scale ", p.min_random_scale, " is above --max-random-scale ", p.max_random_scale);
  const float max_ratio = static_cast<float>(config.max_random_aspect_ratio);
  if (config.min_random_aspect_ratio) {
    p.min_aspect_ratio = static_cast<float>(*config.min_random_aspect_ratio);
    p.max_aspect_ratio = max_ratio;
    if (p.min_aspect_ratio > p.max_aspect_ratio)
      fail("--min-random-aspect-ratio ", p.min_aspect_ratio, " is above --max-random-aspect-ratio ", max_ratio);
  } else {
    if (max_ratio >= 1) fail("--max-random-aspect-ratio ", max_ratio, " without --min-random-aspect-ratio must be below 1");
    p.min_aspect_ratio = 1 - max_ratio;
    p.max_aspect_ratio = 1 + max_ratio;
  }
  p.random_resized_crop = config.random_resized_crop != 0;
  p.min_random_area = static_cast<float>(config.min_random_area);
  p.max_random_area = static_cast<float>(config.max_random_area);
  if (p.min_random_area > p.max_random_area)
    fail("--min-random-area ", p.min_random_area, " is above --max-random-area ", p.max_random_area);
  p.min_crop_size = config.min_crop_size;
  p.max_crop_size = config.max_crop_size;
  if ((p.min_crop_size == -1) != (p.max_crop_size == -1) || p.min_crop_size > p.max_crop_size || p.min_crop_size == 0)
    fail("--min-crop-size ", p.min_crop_size, " and --max-crop-size ", p.max_crop_size,
         ": give both (1 <= min <= max) or neither");
  p.pad = config.pad_size;
  p.fill_value = config.fill_value;
  p.random_h = config.max_random_h;
  p.random_s = config.max_random_s;
  p.random_l = config.max_random_l;
  p.brightness = static_cast<float>(config.brightness);
  p.contrast = static_cast<float>(config.contrast);
  p.saturation = static_cast<float>(config.saturation);
  p.pca_noise = static_cast<float>(config.pca_noise);
  return p;
}

AugmentParams val_augment_params(const FitConfig& config) {
  return common_params(config);
}

InputFormat input_format(const FitConfig& config) {
  const std::vector<int> image_shape = config.sample_shape();
  std::string path = config.data_val;
  if (path.empty()) path = config.data_train;
  InputFormat f;
  if (!path.empty() && is_image_data(path)) {
    const AugmentParams p = val_augment_params(config);  // checks the shape, mean and std
    f.channels = p.channels;
    f.height = p.height;
    f.width = p.width;
    f.mean = p.mean;
    f.std = p.std;
    return f;
  }
  if (image_shape.size() != 3 || (image_shape[0] != 1 && image_shape[0] != 3))
    fail("--image-shape ", config.sample_shape_text(),
         ": image input needs channels,height,width with 1 or 3 channels, e.g. 1,28,28");
  f.channels = image_shape[0];
  f.height = image_shape[1];
  f.width = image_shape[2];
  return f;  // idx data: pixel / 255, as load_idx scales it
}

}  // namespace fitbench
