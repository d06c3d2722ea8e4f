// One image (a PNG or JPEG a person picked) turned into a network input the
// way a run's data arguments turn its validation images into inputs, so a
// prediction on it sees what the network saw in training.
#pragma once

#include <array>
#include <vector>

#include "fitbench/fit_args.h"
#include "fitbench/image_codec.h"
#include "fitbench/tensor.h"

namespace fitbench {

struct InputFormat {
  int channels = 1, height = 28, width = 28;  // --image-shape
  // input = (pixel - mean[c]) / std[c], pixels 0..255, channels in RGB order.
  std::array<float, 3> mean{0.f, 0.f, 0.f};
  std::array<float, 3> std{255.f, 255.f, 255.f};
};

// The format of the run's data: idx files (MNIST, Fashion-MNIST: the default
// when no --data-train is given) scale pixels to [0, 1]; image sources (.rec,
// CIFAR-10 batches, folders of images) subtract --rgb-mean and divide by
// --rgb-std. --data-val decides, else --data-train. Throws Error naming the
// argument for a bad --image-shape, --rgb-mean or --rgb-std.
InputFormat input_format(const FitArgs& args, const std::vector<int>& image_shape);

// `image` as a (channels, height, width) float32 tensor: gray or RGB as the
// format asks (ITU-R 601 gray), scaled with its aspect ratio kept until it
// covers height x width (bilinear, as the data pipeline resizes), centre
// cropped (as validation images are), then normalised.
Tensor image_to_input(const Image& image, const InputFormat& format);

}  // namespace fitbench
