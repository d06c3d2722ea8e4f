// image_input: which normalisation a run's data arguments imply, and one
// image turned into a network input (channels, cover-resize, centre crop,
// mean / std).
#include <gtest/gtest.h>

#include <filesystem>

#include "file_test_util.h"
#include "fitbench/fit_data.h"
#include "fitbench/image_input.h"

namespace fitbench {
namespace {

TEST(InputFormat, IdxDataScalesToUnitRange) {
  const FitArgs args;  // no --data-train: Fashion-MNIST idx files; no --image-shape: theirs
  const InputFormat f = input_format(FitConfig::resolve(args));
  EXPECT_EQ(f.channels, 1);
  EXPECT_EQ(f.height, 28);
  EXPECT_EQ(f.width, 28);
  EXPECT_EQ(f.mean[0], 0.f);
  EXPECT_EQ(f.std[0], 255.f);
}

TEST(InputFormat, ImageFoldersUseRgbMeanAndStd) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "cat");
  FitArgs args;
  args.set("data-train", dir.path().string());
  args.set("rgb-mean", "10,20,30");
  args.set("rgb-std", "2,4,8");
  args.set("image-shape", "3,32,24");
  const InputFormat f = input_format(FitConfig::resolve(args));
  EXPECT_EQ(f.channels, 3);
  EXPECT_EQ(f.height, 32);
  EXPECT_EQ(f.width, 24);
  EXPECT_EQ(f.mean, (std::array<float, 3>{10.f, 20.f, 30.f}));
  EXPECT_EQ(f.std, (std::array<float, 3>{2.f, 4.f, 8.f}));
}

TEST(InputFormat, BadImageShapeNamesTheArgument) {
  FitArgs args;
  args.set("image-shape", "2,28,28");
  const std::string message = test::error_message([&] { input_format(FitConfig::resolve(args)); });
  EXPECT_NE(message.find("--image-shape"), std::string::npos) << message;
}

TEST(ImageToInput, SameSizeGrayIsPixelOver255) {
  Image img(2, 3, 1);
  for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(40 * i + 3);
  const Tensor t = image_to_input(img, InputFormat{1, 2, 3});
  ASSERT_EQ(t.shape(), (Shape{1, 2, 3}));
  // Exactly what load_idx gives for the same bytes.
  for (size_t i = 0; i < img.pixels.size(); ++i) EXPECT_EQ(t.f32()[i], static_cast<float>(img.pixels[i]) / 255.0f);
}

TEST(ImageToInput, WideRgbBecomesCentreCroppedGray) {
  Image img(2, 4, 3);  // 2 rows, 4 columns
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 4; ++x) {
      uint8_t* px = img.at(y, x);
      px[0] = static_cast<uint8_t>(50 * x);
      px[1] = static_cast<uint8_t>(30 * y);
      px[2] = 200;
    }
  const Image gray = to_gray(img);
  InputFormat f{1, 2, 2};
  f.mean = {100.f, 0.f, 0.f};
  f.std = {2.f, 1.f, 1.f};
  const Tensor t = image_to_input(img, f);
  ASSERT_EQ(t.shape(), (Shape{1, 2, 2}));
  // The 2x4 image already covers 2x2: columns 1 and 2 are kept.
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x)
      EXPECT_EQ(t.f32()[y * 2 + x], (static_cast<float>(gray.at(y, x + 1)[0]) - 100.f) / 2.f) << y << "," << x;
}

TEST(ImageToInput, SmallGrayIsEnlargedToRgb) {
  Image img(1, 1, 1);
  img.pixels[0] = 90;
  InputFormat f{3, 3, 3};
  f.mean = {10.f, 20.f, 30.f};
  f.std = {1.f, 2.f, 4.f};
  const Tensor t = image_to_input(img, f);
  ASSERT_EQ(t.shape(), (Shape{3, 3, 3}));
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 9; ++i) EXPECT_EQ(t.f32()[c * 9 + i], (90.f - f.mean[size_t(c)]) / f.std[size_t(c)]);
}

}  // namespace
}  // namespace fitbench
