// JPEG / PNG decoding and encoding: PNG round trips exactly, JPEG nearly, the
// channel conversions follow OpenCV's weights, and a damaged image is an
// ImageDecodeError naming its source.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "file_test_util.h"
#include "fitbench/image_codec.h"

using namespace fitbench;

namespace {

Image gradient(int h, int w, int c) {
  Image img(h, w, c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) img.at(y, x)[k] = static_cast<uint8_t>((x * 5 + y * 3 + k * 60) % 256);
  return img;
}

TEST(ImageCodec, PngRoundTripsExactlyInGrayAndRgb) {
  for (int c : {1, 3}) {
    const Image img = gradient(13, 17, c);
    const std::string png = encode_png(img, 6);
    const Image back = decode_image(png.data(), png.size(), 0, "mem");
    EXPECT_EQ(back.channels, c);
    EXPECT_EQ(back.height, 13);
    EXPECT_EQ(back.width, 17);
    EXPECT_EQ(back.pixels, img.pixels);
  }
}

TEST(ImageCodec, JpegRoundTripsCloselyAndConvertsChannels) {
  Image img(32, 32, 3);
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) {
      img.at(y, x)[0] = static_cast<uint8_t>(4 * x);
      img.at(y, x)[1] = static_cast<uint8_t>(4 * y);
      img.at(y, x)[2] = 100;
    }
  const std::string jpg = encode_jpeg(img, 95);
  const Image back = decode_image(jpg.data(), jpg.size(), 3, "mem");
  double err = 0;
  for (size_t i = 0; i < img.pixels.size(); ++i) err += std::abs(int(back.pixels[i]) - int(img.pixels[i]));
  EXPECT_LT(err / double(img.pixels.size()), 3.0);
  const Image gray = decode_image(jpg.data(), jpg.size(), 1, "mem");
  EXPECT_EQ(gray.channels, 1);
  const Image expected = to_gray(back);
  double gray_err = 0;
  for (size_t i = 0; i < gray.pixels.size(); ++i) gray_err += std::abs(int(gray.pixels[i]) - int(expected.pixels[i]));
  EXPECT_LT(gray_err / double(gray.pixels.size()), 2.0);
}

TEST(ImageCodec, GrayConversionUsesItuWeights) {
  Image rgb(1, 1, 3);
  rgb.pixels = {200, 100, 50};
  EXPECT_EQ(to_gray(rgb).pixels[0], static_cast<uint8_t>(std::lround(0.299 * 200 + 0.587 * 100 + 0.114 * 50)));
  EXPECT_EQ(to_rgb(to_gray(rgb)).pixels, (std::vector<uint8_t>(3, to_gray(rgb).pixels[0])));
}

TEST(ImageCodec, DamagedImagesAreDecodeErrorsNamingTheSource) {
  const std::string jpg = encode_jpeg(gradient(64, 64, 3), 90);
  const std::string png = encode_png(gradient(64, 64, 3), 6);
  for (const std::string& bad : {jpg.substr(0, jpg.size() / 2), png.substr(0, png.size() / 2), std::string("hello")}) {
    try {
      decode_image(bad.data(), bad.size(), 0, "record 5 of x.rec");
      ADD_FAILURE() << "decoded a damaged image";
    } catch (const ImageDecodeError& e) {
      EXPECT_NE(std::string(e.what()).find("record 5 of x.rec"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(read_image_file("/nonexistent/dir/a.png", 3), ImageDecodeError);
}

}  // namespace

namespace {

// PNG chunks end with the CRC-32 of their type and data.
uint32_t crc32(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_be32(std::string& s, size_t at, uint32_t v) {
  for (int k = 0; k < 4; ++k) s[at + size_t(k)] = static_cast<char>(v >> (24 - 8 * k));
}

// A valid small PNG whose header says width x height (issue 12: a header of
// 100000x100000 ended training with a bare std::bad_alloc).
std::string png_claiming(uint32_t width, uint32_t height) {
  std::string png = encode_png(gradient(2, 2, 1), 6);
  // Signature (8), IHDR length (4) and type (4), then width and height.
  put_be32(png, 16, width);
  put_be32(png, 20, height);
  put_be32(png, 29, crc32(png.substr(12, 17)));
  return png;
}

// A baseline JPEG whose frame header (SOF0) says width x height.
std::string jpeg_claiming(uint16_t width, uint16_t height) {
  std::string jpg = encode_jpeg(gradient(8, 8, 3), 90);
  const size_t sof = jpg.find("\xFF\xC0");
  // Marker (2), length (2), precision (1), then height and width.
  jpg[sof + 5] = static_cast<char>(height >> 8), jpg[sof + 6] = static_cast<char>(height);
  jpg[sof + 7] = static_cast<char>(width >> 8), jpg[sof + 8] = static_cast<char>(width);
  return jpg;
}

TEST(ImageCodec, ImagesOverThePixelLimitAreRefusedFromTheirHeader) {
  for (const std::string& huge : {png_claiming(100000, 100000), jpeg_claiming(60000, 60000)}) {
    try {
      decode_image(huge.data(), huge.size(), 3, "big/a.img");
      ADD_FAILURE() << "decoded an image over the limit";
    } catch (const ImageDecodeError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("big/a.img"), std::string::npos) << message;
      EXPECT_NE(message.find("--max-image-pixels"), std::string::npos) << message;
      EXPECT_TRUE(message.find("100000x100000") != std::string::npos ||
                  message.find("60000x60000") != std::string::npos)
          << message;
    }
  }
  // The limit is the caller's: 64x64 = 4096 pixels.
  const std::string png = encode_png(gradient(64, 64, 3), 6);
  EXPECT_THROW(decode_image(png.data(), png.size(), 3, "a.png", 4095), ImageDecodeError);
  EXPECT_EQ(decode_image(png.data(), png.size(), 3, "a.png", 4096).width, 64);
}

}  // namespace
