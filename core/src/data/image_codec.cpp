// JPEG through libjpeg's classic API (with longjmp error handling, so a bad
// image becomes an exception instead of exit()), PNG through libpng. A build
// without libjpeg (FITBENCH_HAVE_JPEG unset) reads and writes PNG only and
// says so when it meets a JPEG.
#include "fitbench/image_codec.h"

#if FITBENCH_HAVE_JPEG
#include <jpeglib.h>
#endif
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

namespace fitbench {
namespace {

void check_pixels(uint64_t width, uint64_t height, int64_t max_pixels, const std::string& source) {
  if (width * height > static_cast<uint64_t>(max_pixels))
    throw ImageDecodeError(detail::concat(source, ": ", width, "x", height, " pixels, more than the ", max_pixels,
                                          " allowed (raise --max-image-pixels to read it)"));
}

#if FITBENCH_HAVE_JPEG
struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// libjpeg only warns about a truncated or damaged stream and fills the rest
// with gray; a training set is better off without such an image.
void jpeg_emit_message(j_common_ptr cinfo, int level) {
  if (level < 0) jpeg_error_exit(cinfo);
}

// Returns false with `err.message` set when libjpeg fails. Only plain data
// lives in this frame, so longjmp out of libjpeg skips no destructor.
// An image over `max_pixels` sets `too_large` and returns false before decoding.
bool decode_jpeg_into(const unsigned char* data, size_t size, int channels, int64_t max_pixels, JpegError& err,
                      Image& out, bool& too_large) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_error_exit;
  err.mgr.emit_message = jpeg_emit_message;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  too_large = uint64_t{cinfo.image_width} * cinfo.image_height > static_cast<uint64_t>(max_pixels);
  if (too_large) {
    out.width = static_cast<int>(cinfo.image_width);
    out.height = static_cast<int>(cinfo.image_height);
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  const int want = channels != 0 ? channels : (cinfo.num_components == 1 ? 1 : 3);
  cinfo.out_color_space = want == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  out.height = static_cast<int>(cinfo.output_height);
  out.width = static_cast<int>(cinfo.output_width);
  out.channels = want;
  out.pixels.resize(size_t(out.height) * size_t(out.width) * size_t(want));
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.pixels.data() + size_t(cinfo.output_scanline) * size_t(out.width) * size_t(want);
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

bool encode_jpeg_into(const Image& image, int quality, JpegError& err, unsigned char** buffer,
                      unsigned long* size) {
  jpeg_compress_struct cinfo;
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_error_exit;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&cinfo);
    return false;
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, buffer, size);
  cinfo.image_width = static_cast<JDIMENSION>(image.width);
  cinfo.image_height = static_cast<JDIMENSION>(image.height);
  cinfo.input_components = image.channels;
  cinfo.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(image.at(static_cast<int>(cinfo.next_scanline), 0));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return true;
}

#endif  // FITBENCH_HAVE_JPEG

Image decode_png(const void* data, size_t size, int channels, const std::string& source, int64_t max_pixels) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, data, size))
    throw ImageDecodeError(source + ": not a readable PNG image (" + png.message + ")");
  if (uint64_t{png.width} * png.height > static_cast<uint64_t>(max_pixels)) {
    png_image_free(&png);
    check_pixels(png.width, png.height, max_pixels, source);
  }
  const bool color = (png.format & PNG_FORMAT_FLAG_COLOR) != 0;
  const int want = channels != 0 ? channels : (color ? 3 : 1);
  png.format = want == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  Image out(static_cast<int>(png.height), static_cast<int>(png.width), want);
  if (!png_image_finish_read(&png, nullptr, out.pixels.data(), 0, nullptr)) {
    const std::string message = png.message;
    png_image_free(&png);
    throw ImageDecodeError(source + ": a corrupt PNG image (" + message + ")");
  }
  return out;
}

void png_write_to_string(png_structp png, png_bytep data, png_size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), n);
}

void png_error_throw(png_structp png, png_const_charp message) {
  std::strncpy(static_cast<char*>(png_get_error_ptr(png)), message, 199);
  png_longjmp(png, 1);
}

// As for JPEG: plain data only between setjmp and the libpng calls.
bool encode_png_into(const Image& image, int level, std::string& out, char* message) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, message, png_error_throw, nullptr);
  if (png == nullptr) return false;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, &out, png_write_to_string, nullptr);
  png_set_compression_level(png, level);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width), static_cast<png_uint_32>(image.height), 8,
               image.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < image.height; ++y) png_write_row(png, const_cast<png_bytep>(image.at(y, 0)));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

void check_encodable(const Image& image) {
  if ((image.channels != 1 && image.channels != 3) || image.width < 1 || image.height < 1 ||
      image.pixels.size() != size_t(image.height) * size_t(image.width) * size_t(image.channels))
    fail("cannot encode an image of ", image.height, "x", image.width, "x", image.channels,
         ": it needs 1 or 3 channels and pixels for every position");
}

}  // namespace

Image decode_image(const void* data, size_t size, int channels, const std::string& source, int64_t max_pixels) {
  FB_ASSERT(channels == 0 || channels == 1 || channels == 3);
  const auto* bytes = static_cast<const unsigned char*>(data);
  if (size >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) {
#if FITBENCH_HAVE_JPEG
    JpegError err{};
    Image out;
    bool too_large = false;
    if (!decode_jpeg_into(bytes, size, channels, max_pixels, err, out, too_large)) {
      if (too_large) check_pixels(uint32_t(out.width), uint32_t(out.height), max_pixels, source);
      throw ImageDecodeError(source + ": a corrupt JPEG image (" + err.message + ")");
    }
    return out;
#else
    throw ImageDecodeError(source + ": a JPEG image, but this build of fitbench has no JPEG decoder; install "
                           "libjpeg62-turbo-dev and rebuild, or convert the images to PNG");
#endif
  }
  if (size >= 8 && png_sig_cmp(bytes, 0, 8) == 0) return decode_png(data, size, channels, source, max_pixels);
  throw ImageDecodeError(source + ": neither a JPEG nor a PNG image (" + std::to_string(size) + " bytes)");
}

Image read_image_file(const std::string& path, int channels, int64_t max_pixels) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImageDecodeError(path + ": cannot open the image file");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_image(bytes.data(), bytes.size(), channels, path, max_pixels);
}

std::string encode_jpeg(const Image& image, int quality) {
  check_encodable(image);
#if !FITBENCH_HAVE_JPEG
  (void)quality;
  fail("this build of fitbench has no JPEG encoder; install libjpeg62-turbo-dev and rebuild, or write PNG "
       "(--encoding .png)");
#else
  JpegError err{};
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const bool ok = encode_jpeg_into(image, quality, err, &buffer, &size);
  std::string out;
  if (ok) out.assign(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  if (!ok) fail("JPEG encoding failed: ", err.message);
  return out;
#endif
}

std::string encode_png(const Image& image, int level) {
  check_encodable(image);
  std::string out;
  char message[200] = {};
  if (!encode_png_into(image, level, out, message)) fail("PNG encoding failed: ", message);
  return out;
}

Image to_gray(const Image& rgb) {
  FB_ASSERT(rgb.channels == 3);
  Image g(rgb.height, rgb.width, 1);
  const size_t n = size_t(rgb.height) * size_t(rgb.width);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = rgb.pixels.data() + 3 * i;
    g.pixels[i] = static_cast<uint8_t>((299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000);
  }
  return g;
}

Image to_rgb(const Image& gray) {
  FB_ASSERT(gray.channels == 1);
  Image c(gray.height, gray.width, 3);
  for (size_t i = 0; i < gray.pixels.size(); ++i) std::memset(c.pixels.data() + 3 * i, gray.pixels[i], 3);
  return c;
}

}  // namespace fitbench
