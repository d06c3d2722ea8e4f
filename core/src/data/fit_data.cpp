// fit.py's data sources: Fashion-MNIST / MNIST idx files, or synthetic data
// for --benchmark 1.
#include "fitbench/fit_data.h"

#include <filesystem>
#include <string>
#include <utility>

#include "fitbench/error.h"

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

Tensor first_rows(const Tensor& t, int64_t rows) {
  if (rows >= t.shape()[0]) return t;
  std::vector<int64_t> dims = t.shape().dims();
  dims[0] = rows;
  return Tensor(t.storage(), t.offset(), Shape(dims), t.dtype());
}

}  // namespace

FitData make_fit_data(const FitArgs& args, const std::vector<int>& image_shape, uint64_t seed) {
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
