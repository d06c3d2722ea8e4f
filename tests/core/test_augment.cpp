// Augmentation: each step on small images with known answers (OpenCV's
// bilinear taps, constant-border warps, HLS shifts), and the whole pipeline's
// crop / pad / mirror / normalise as data.py's arguments set it up.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "file_test_util.h"
#include "fitbench/augment.h"
#include "fitbench/fit_data.h"
#include "fitbench/fit.h"

using namespace fitbench;

namespace {

Image numbered(int h, int w) {
  Image img(h, w, 1);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i + 1);
  return img;
}

AugmentParams gray_params(int h, int w) {
  AugmentParams p;
  p.channels = 1;
  p.height = h;
  p.width = w;
  return p;
}

TEST(Augment, BilinearResizeUsesOpenCvPixelCentres) {
  Image src(1, 2, 1);
  src.pixels = {0, 100};
  EXPECT_EQ(resize_image(src, 4, 1).pixels, (std::vector<uint8_t>{0, 25, 75, 100}));
  const Image small = resize_short_edge(numbered(4, 8), 2);
  EXPECT_EQ(small.height, 2);
  EXPECT_EQ(small.width, 4);
}

TEST(Augment, WarpShiftsAndFillsOutside) {
  const Image src = numbered(3, 3);
  const Image same = warp_affine(src, {1, 0, 0, 0, 1, 0}, 3, 3, 0);
  EXPECT_EQ(same.pixels, src.pixels);
  const Image moved = warp_affine(src, {1, 0, 1, 0, 1, 0}, 3, 3, 9);
  EXPECT_EQ(moved.pixels, (std::vector<uint8_t>{9, 1, 2, 9, 4, 5, 9, 7, 8}));
}

TEST(Augment, PadAndCropPlaceTheImage) {
  const Image padded = pad_image(numbered(2, 2), 1, 127);
  EXPECT_EQ(padded.pixels, (std::vector<uint8_t>{127, 127, 127, 127, 127, 1, 2, 127, 127, 3, 4, 127, 127, 127, 127, 127}));
  EXPECT_EQ(crop_image(padded, 1, 1, 2, 2).pixels, (std::vector<uint8_t>{1, 2, 3, 4}));
}

TEST(Augment, HlsShiftsLightnessAndKeepsColoursWithoutShift) {
  Image img(1, 2, 3);
  img.pixels = {200, 40, 90, 10, 180, 60};
  Image same = img;
  jitter_hls(same, 0, 0, 0);
  for (size_t i = 0; i < img.pixels.size(); ++i) EXPECT_NEAR(same.pixels[i], img.pixels[i], 2) << i;
  Image white = img;
  jitter_hls(white, 0, 0, 255);
  EXPECT_EQ(white.pixels, std::vector<uint8_t>(6, 255));
}

TEST(Augment, ValidationCentreCropsAndNormalises) {
  AugmentParams p = gray_params(2, 2);
  p.mean = {10, 0, 0};
  p.std = {2, 1, 1};
  std::mt19937_64 rng(1);
  float out[4];
  augment_image(numbered(4, 4), p, rng, out);
  // The central 2x2 of 1..16 is 6, 7, 10, 11.
  EXPECT_EQ(std::vector<float>(out, out + 4), (std::vector<float>{-2.f, -1.5f, 0.f, 0.5f}));
}

TEST(Augment, PaddedRandomCropsAndMirrorsAreWindowsOfThePaddedImage) {
  AugmentParams p = gray_params(4, 4);
  p.pad = 1;
  p.fill_value = 0;
  p.rand_crop = true;
  p.rand_mirror = true;
  const Image src = numbered(4, 4);
  const Image padded = pad_image(src, 1, 0);
  std::set<std::vector<float>> seen;
  std::mt19937_64 rng(5);
  for (int draw = 0; draw < 200; ++draw) {
    float out[16];
    augment_image(src, p, rng, out);
    bool found = false;
    for (int y = 0; y <= 2 && !found; ++y)
      for (int x = 0; x <= 2 && !found; ++x)
        for (bool flip : {false, true}) {
          bool match = true;
          for (int r = 0; r < 4; ++r)
            for (int c = 0; c < 4; ++c)
              match = match && out[r * 4 + c] == padded.at(y + r, x + (flip ? 3 - c : c))[0];
          found = found || match;
        }
    EXPECT_TRUE(found) << "draw " << draw;
    seen.insert(std::vector<float>(out, out + 16));
  }
  EXPECT_GT(seen.size(), 10u);  // 9 positions x 2 orientations
}

TEST(Augment, ColourJitterAndResizedCropsKeepTheShapeAndRepeatWithTheSeed) {
  AugmentParams p;
  p.height = p.width = 8;
  p.random_resized_crop = true;
  p.min_random_area = 0.3f;
  p.min_aspect_ratio = 0.75f;
  p.max_aspect_ratio = 1.33f;
  p.max_rotate_angle = 10;
  p.brightness = p.contrast = p.saturation = 0.4f;
  p.pca_noise = 0.1f;
  p.random_h = 10;
  Image src(20, 30, 3);
  for (size_t i = 0; i < src.pixels.size(); ++i) src.pixels[i] = static_cast<uint8_t>(i * 7);
  std::vector<float> a(3 * 64), b(3 * 64);
  std::mt19937_64 r1(9), r2(9);
  augment_image(src, p, r1, a.data());
  augment_image(src, p, r2, b.data());
  EXPECT_EQ(a, b);
  EXPECT_TRUE(std::all_of(a.begin(), a.end(), [](float v) { return v >= 0 && v <= 255; }));
}

TEST(Augment, ParamsFollowDataPyArguments) {
  FitArgs args = train_mnist_defaults();
  args.set("max-random-aspect-ratio", "0.25");
  args.set("pad-size", "4");
  args.set("random-crop", "1");
  args.set("image-shape", "3,28,28");
  const AugmentParams p = train_augment_params(FitConfig::resolve(args));
  EXPECT_FLOAT_EQ(p.min_aspect_ratio, 0.75f);
  EXPECT_FLOAT_EQ(p.max_aspect_ratio, 1.25f);
  EXPECT_EQ(p.pad, 4);
  EXPECT_TRUE(p.rand_crop);
  EXPECT_FLOAT_EQ(p.mean[0], 123.68f);
  const AugmentParams v = val_augment_params(FitConfig::resolve(args));
  EXPECT_EQ(v.pad, 0);
  EXPECT_FALSE(v.rand_crop);
  args.set("min-crop-size", "10");
  const std::string message = test::error_message([&] { train_augment_params(FitConfig::resolve(args)); });
  EXPECT_NE(message.find("--max-crop-size"), std::string::npos) << message;
}

}  // namespace
