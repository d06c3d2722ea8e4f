// Image augmentation as MXNet's ImageRecordIter does it (data.py's
// "Image augmentations" arguments): resize, affine (rotate, shear, scale,
// aspect ratio), pad, crop (center, random, random size, random resized),
// HSL / brightness / contrast / saturation jitter, PCA noise, mirror, then
// mean and std normalisation into float CHW.
#pragma once

#include <array>
#include <random>
#include <vector>

#include "fitbench/image_codec.h"

namespace fitbench {

struct AugmentParams {
  int channels = 3, height = 224, width = 224;  // the output (--image-shape)
  int resize = -1;                              // short edge before anything else; -1 off
  bool rand_crop = false;
  bool rand_mirror = false;
  int max_rotate_angle = 0;
  float max_shear_ratio = 0.f;
  float min_random_scale = 1.f, max_random_scale = 1.f;
  float min_aspect_ratio = 1.f, max_aspect_ratio = 1.f;  // the range itself
  bool random_resized_crop = false;
  float min_random_area = 1.f, max_random_area = 1.f;
  int min_crop_size = -1, max_crop_size = -1;
  int pad = 0;
  int fill_value = 127;
  int random_h = 0, random_s = 0, random_l = 0;
  float brightness = 0.f, contrast = 0.f, saturation = 0.f, pca_noise = 0.f;
  std::array<float, 3> mean{0.f, 0.f, 0.f};  // per output channel, RGB order
  std::array<float, 3> std{1.f, 1.f, 1.f};
};

// Augments `src` (its channel count must equal p.channels) and writes the
// result as float (channels, height, width) to `out`. An image still smaller
// than the output after padding is first resized up to cover it.
void augment_image(const Image& src, const AugmentParams& p, std::mt19937_64& rng, float* out);

// The building blocks, bilinear as OpenCV's INTER_LINEAR (pixel centres at +0.5).
Image resize_image(const Image& src, int width, int height);
// Scales so the shorter edge is `size`, as im2rec and MXNet's resize do.
Image resize_short_edge(const Image& src, int size);
Image crop_image(const Image& src, int x, int y, int width, int height);
Image pad_image(const Image& src, int pad, uint8_t fill);
// dst(x, y) = src(M^-1 (x, y)) for the 2x3 forward matrix m (OpenCV's warpAffine).
Image warp_affine(const Image& src, const std::array<float, 6>& m, int width, int height, uint8_t fill);
// Adds dh / dl / ds to hue (0..180), lightness and saturation (0..255) in
// OpenCV's 8-bit HLS, clamping each.
void jitter_hls(Image& rgb, int dh, int ds, int dl);

}  // namespace fitbench
