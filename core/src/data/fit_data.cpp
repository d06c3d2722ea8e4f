// fit.py's data sources: Fashion-MNIST / MNIST idx files, RecordIO files,
// CIFAR-10 binary batches, folders of class sub-folders, or synthetic data
// for --benchmark 1.
#include "fitbench/fit_data.h"

#include <filesystem>
#include <string>
#include <utility>

#include "fitbench/error.h"
#include "fitbench/image_iter.h"

namespace fitbench {

namespace {

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

// The image sources; nullptr when `path` is idx data.
std::unique_ptr<DataIter> image_iter(const std::string& path, const std::string& idx, bool train,
                                     const ImageIterOptions& options) {
  if (std::filesystem::is_regular_file(path) && std::filesystem::path(path).extension() == ".rec")
    return make_record_iter(path, idx, options);
  if (!std::filesystem::is_directory(path) || has_idx_files(path)) return nullptr;
  if (is_cifar10_dir(path)) return make_cifar10_iter(path, train, options);
  return make_image_folder_iter(path, options);
}

Tensor first_rows(const Tensor& t, int64_t rows) {
  if (rows >= t.shape()[0]) return t;
  std::vector<int64_t> dims = t.shape().dims();
  dims[0] = rows;
  return Tensor(t.storage(), t.offset(), Shape(dims), t.dtype());
}

}  // namespace

FitData make_fit_data(const FitArgs& args, const std::vector<int>& image_shape, uint64_t seed,
                      const DataPartition& partition) {
  const int batch = args.get_int("batch-size");
  FitData d;
  if (args.get_int("benchmark")) {
    std::vector<int64_t> dims{batch};
    for (int v : image_shape) dims.push_back(v);
    d.train = make_synthetic_iter(Shape(dims), args.get_int("num-classes"), 500, seed);
    return d;
  }
  std::string train = args.get_string("data-train"), val = args.get_string("data-val");
  if (train.empty()) {
    const std::string dir = default_fashion_mnist_dir();
    if (!std::filesystem::is_directory(dir))
      fail("the default data set (Fashion-MNIST) is not installed at ", dir,
           ": install the Debian package dataset-fashion-mnist, or give --data-train");
    train = dir;
    if (val.empty()) val = dir;
  }
  ImageIterOptions options;
  options.batch_size = batch;
  options.threads = args.get_int("data-nthreads");
  options.seed = seed;
  options.num_classes = args.is_set("num-classes") ? args.get_int("num-classes") : 0;
  options.num_parts = partition.num_parts;
  options.part_index = partition.part_index;
  if (std::filesystem::is_directory(train) || std::filesystem::path(train).extension() == ".rec") {
    ImageIterOptions t = options;
    t.shuffle = true;
    t.augment = train_augment_params(args, image_shape);
    if (args.is_set("num-examples")) t.max_examples = args.get_int("num-examples");
    if (auto it = image_iter(train, args.get_string("data-train-idx"), true, t)) {
      d.train = make_prefetch_iter(std::move(it), 4);
      if (!val.empty()) {
        ImageIterOptions v = options;
        v.augment = val_augment_params(args, image_shape);
        auto val_it = image_iter(val, args.get_string("data-val-idx"), false, v);
        if (!val_it) fail("--data-val ", val, ": give image data (a .rec file or an image directory) as for --data-train");
        d.val = make_prefetch_iter(std::move(val_it), 4);
      }
      return d;
    }
  }
  const auto [train_images, train_labels] = idx_pair(train, "train", "data-train");
  IdxDataset t = load_idx(train_images, train_labels);
  if (args.is_set("num-examples")) {
    // fitbench uses --num-examples to train on the first N samples as well.
    const int64_t n = args.get_int("num-examples");
    t.images = first_rows(t.images, n);
    t.labels = first_rows(t.labels, n);
  }
  const auto& s = t.images.shape();
  if (image_shape.size() == 3 && (s[1] != image_shape[0] || s[2] != image_shape[1] || s[3] != image_shape[2]))
    fail("--image-shape ", args.get_string("image-shape"), " does not match the images in ", train_images, " (",
         s[1], ",", s[2], ",", s[3], ")");
  d.train = make_prefetch_iter(make_ndarray_iter(t.images, t.labels, batch, true, seed));
  if (!val.empty()) {
    const auto [val_images, val_labels] = idx_pair(val, "t10k", "data-val");
    IdxDataset v = load_idx(val_images, val_labels);
    d.val = make_ndarray_iter(v.images, v.labels, batch, false, seed);
  }
  return d;
}

}  // namespace fitbench
