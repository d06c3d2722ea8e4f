// The augmentation steps of MXNet's default image augmenter, in its order:
// resize, affine warp, pad, crop, HLS jitter; then (as its normaliser) colour
// jitter, PCA noise, mirror and mean / std into float CHW.
#include "fitbench/augment.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

namespace fitbench {
namespace {

// OpenCV's INTER_LINEAR source coordinate of destination index i.
struct Tap {
  int lo, hi;
  float w;  // weight of hi
};

std::vector<Tap> taps(int src, int dst) {
  std::vector<Tap> t(static_cast<size_t>(dst));
  const double scale = double(src) / double(dst);
  for (int i = 0; i < dst; ++i) {
    double s = (i + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    int lo = static_cast<int>(std::floor(s));
    if (lo > src - 1) lo = src - 1;
    t[static_cast<size_t>(i)] = {lo, std::min(lo + 1, src - 1), static_cast<float>(s - lo)};
  }
  return t;
}

uint8_t saturate(float v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

float uniform(std::mt19937_64& rng, float lo, float hi) {
  return lo == hi ? lo : std::uniform_real_distribution<float>(lo, hi)(rng);
}
int uniform_int(std::mt19937_64& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

// Resizes up, keeping the aspect ratio, until the image covers width x height.
Image cover(const Image& img, int width, int height) {
  if (img.width >= width && img.height >= height) return img;
  const double s = std::max(double(width) / img.width, double(height) / img.height);
  return resize_image(img, std::max(width, int(std::ceil(img.width * s))), std::max(height, int(std::ceil(img.height * s))));
}

Image affine_step(const Image& img, const AugmentParams& p, std::mt19937_64& rng) {
  const float shear = uniform(rng, -p.max_shear_ratio, p.max_shear_ratio);
  const int angle = uniform_int(rng, -p.max_rotate_angle, p.max_rotate_angle);
  // With random-resized-crop the crop draws scale and aspect ratio itself.
  const float scale = p.random_resized_crop ? 1.f : uniform(rng, p.min_random_scale, p.max_random_scale);
  const float ratio = p.random_resized_crop ? 1.f : uniform(rng, p.min_aspect_ratio, p.max_aspect_ratio);
  const float a = std::cos(angle / 180.f * std::numbers::pi_v<float>);
  const float b = std::sin(angle / 180.f * std::numbers::pi_v<float>);
  const float hs = 2 * scale / (1 + ratio), ws = ratio * hs;
  const int new_width = std::max(1, static_cast<int>(scale * img.width));
  const int new_height = std::max(1, static_cast<int>(scale * img.height));
  std::array<float, 6> m{hs * a - shear * b * ws, hs * b + shear * a * ws, 0.f, -b * ws, a * ws, 0.f};
  m[2] = (new_width - (m[0] * img.width + m[1] * img.height)) / 2;
  m[5] = (new_height - (m[3] * img.width + m[4] * img.height)) / 2;
  return warp_affine(img, m, new_width, new_height, static_cast<uint8_t>(p.fill_value));
}

// The top-left corner of a crop that leaves `free_x` x `free_y` pixels out:
// drawn (y first) with --random-crop, the centre otherwise.
std::pair<int, int> crop_corner(int free_x, int free_y, bool random, std::mt19937_64& rng) {
  if (!random) return {free_x / 2, free_y / 2};
  const int y = uniform_int(rng, 0, free_y);
  return {uniform_int(rng, 0, free_x), y};
}

Image crop_step(const Image& img, const AugmentParams& p, std::mt19937_64& rng) {
  if (p.random_resized_crop) {
    const double area = double(img.width) * img.height;
    for (int attempt = 0; attempt < 10; ++attempt) {
      const double target = area * uniform(rng, p.min_random_area, p.max_random_area);
      const double ratio = uniform(rng, p.min_aspect_ratio, p.max_aspect_ratio);
      const int w = static_cast<int>(std::lround(std::sqrt(target * ratio)));
      const int h = static_cast<int>(std::lround(std::sqrt(target / ratio)));
      if (w < 1 || h < 1 || w > img.width || h > img.height) continue;
      const int x = uniform_int(rng, 0, img.width - w), y = uniform_int(rng, 0, img.height - h);
      return resize_image(crop_image(img, x, y, w, h), p.width, p.height);
    }
    // No draw fitted: the central square, as large as the image allows.
    const int side = std::min(img.width, img.height);
    return resize_image(crop_image(img, (img.width - side) / 2, (img.height - side) / 2, side, side), p.width,
                        p.height);
  }
  if (p.max_crop_size != -1) {
    const int limit = std::min(img.width, img.height);
    const int size = std::min(limit, uniform_int(rng, p.min_crop_size, p.max_crop_size));
    const auto [x, y] = crop_corner(img.width - size, img.height - size, p.rand_crop, rng);
    return resize_image(crop_image(img, x, y, size, size), p.width, p.height);
  }
  const Image big = cover(img, p.width, p.height);
  const auto [x, y] = crop_corner(big.width - p.width, big.height - p.height, p.rand_crop, rng);
  if (x == 0 && y == 0 && big.width == p.width && big.height == p.height) return big;
  return crop_image(big, x, y, p.width, p.height);
}

// Brightness, contrast and saturation scale towards black, the mean gray and
// each pixel's gray; PCA noise adds AlexNet's lighting shift. `v` is CHW.
void color_jitter(float* v, int channels, size_t plane, const AugmentParams& p, std::mt19937_64& rng) {
  const size_t n = plane * size_t(channels);
  if (p.brightness > 0) {
    const float alpha = 1 + uniform(rng, -p.brightness, p.brightness);
    for (size_t i = 0; i < n; ++i) v[i] *= alpha;
  }
  auto gray = [&](size_t i) { return channels == 3 ? 0.299f * v[i] + 0.587f * v[plane + i] + 0.114f * v[2 * plane + i] : v[i]; };
  if (p.contrast > 0) {
    const float alpha = 1 + uniform(rng, -p.contrast, p.contrast);
    double sum = 0;
    for (size_t i = 0; i < plane; ++i) sum += gray(i);
    const float shift = static_cast<float>(sum / double(plane)) * (1 - alpha);
    for (size_t i = 0; i < n; ++i) v[i] = v[i] * alpha + shift;
  }
  if (p.saturation > 0 && channels == 3) {
    const float alpha = 1 + uniform(rng, -p.saturation, p.saturation);
    for (size_t i = 0; i < plane; ++i) {
      const float g = gray(i) * (1 - alpha);
      for (int c = 0; c < 3; ++c) v[size_t(c) * plane + i] = v[size_t(c) * plane + i] * alpha + g;
    }
  }
  if (p.pca_noise > 0 && channels == 3) {
    static constexpr float eigval[3] = {55.46f, 4.794f, 1.148f};
    static constexpr float eigvec[3][3] = {
        {-0.5675f, 0.7192f, 0.4009f}, {-0.5808f, -0.0045f, -0.8140f}, {-0.5836f, -0.6948f, 0.4203f}};
    std::normal_distribution<float> normal(0.f, p.pca_noise);
    float alpha[3];
    for (float& a : alpha) a = normal(rng);
    for (int c = 0; c < 3; ++c) {
      float shift = 0;
      for (int k = 0; k < 3; ++k) shift += eigvec[c][k] * alpha[k] * eigval[k];
      for (size_t i = 0; i < plane; ++i) v[size_t(c) * plane + i] += shift;
    }
  }
  for (size_t i = 0; i < n; ++i) v[i] = std::clamp(v[i], 0.f, 255.f);
}

}  // namespace

Image resize_image(const Image& src, int width, int height) {
  FB_ASSERT(width > 0 && height > 0 && src.width > 0 && src.height > 0);
  if (width == src.width && height == src.height) return src;
  Image dst(height, width, src.channels);
  const auto xs = taps(src.width, width), ys = taps(src.height, height);
  const int c = src.channels;
  for (int y = 0; y < height; ++y) {
    const Tap ty = ys[size_t(y)];
    const uint8_t* r0 = src.at(ty.lo, 0);
    const uint8_t* r1 = src.at(ty.hi, 0);
    uint8_t* out = dst.at(y, 0);
    for (int x = 0; x < width; ++x) {
      const Tap tx = xs[size_t(x)];
      for (int k = 0; k < c; ++k) {
        const float top = r0[tx.lo * c + k] + tx.w * (r0[tx.hi * c + k] - r0[tx.lo * c + k]);
        const float bottom = r1[tx.lo * c + k] + tx.w * (r1[tx.hi * c + k] - r1[tx.lo * c + k]);
        out[x * c + k] = saturate(top + ty.w * (bottom - top));
      }
    }
  }
  return dst;
}

Image resize_short_edge(const Image& src, int size) {
  if (src.height > src.width) return resize_image(src, size, static_cast<int>(int64_t{size} * src.height / src.width));
  return resize_image(src, static_cast<int>(int64_t{size} * src.width / src.height), size);
}

Image crop_image(const Image& src, int x, int y, int width, int height) {
  FB_ASSERT(x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= src.width && y + height <= src.height);
  Image dst(height, width, src.channels);
  const size_t row = size_t(width) * size_t(src.channels);
  for (int r = 0; r < height; ++r) std::copy_n(src.at(y + r, x), row, dst.at(r, 0));
  return dst;
}

Image pad_image(const Image& src, int pad, uint8_t fill) {
  Image dst(src.height + 2 * pad, src.width + 2 * pad, src.channels);
  std::fill(dst.pixels.begin(), dst.pixels.end(), fill);
  const size_t row = size_t(src.width) * size_t(src.channels);
  for (int r = 0; r < src.height; ++r) std::copy_n(src.at(r, 0), row, dst.at(r + pad, pad));
  return dst;
}

Image warp_affine(const Image& src, const std::array<float, 6>& m, int width, int height, uint8_t fill) {
  const double det = double(m[0]) * m[4] - double(m[1]) * m[3];
  FB_ASSERT(det != 0);
  // The inverse map, destination to source.
  const double i00 = m[4] / det, i01 = -m[1] / det, i10 = -m[3] / det, i11 = m[0] / det;
  const double i02 = -(i00 * m[2] + i01 * m[5]), i12 = -(i10 * m[2] + i11 * m[5]);
  Image dst(height, width, src.channels);
  const int c = src.channels;
  auto sample = [&](int x, int y, int k) -> float {
    return (x < 0 || y < 0 || x >= src.width || y >= src.height) ? float(fill) : float(src.at(y, x)[k]);
  };
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double sx = i00 * x + i01 * y + i02, sy = i10 * x + i11 * y + i12;
      const int x0 = static_cast<int>(std::floor(sx)), y0 = static_cast<int>(std::floor(sy));
      const float fx = static_cast<float>(sx - x0), fy = static_cast<float>(sy - y0);
      uint8_t* out = dst.at(y, x);
      for (int k = 0; k < c; ++k) {
        const float top = sample(x0, y0, k) + fx * (sample(x0 + 1, y0, k) - sample(x0, y0, k));
        const float bottom = sample(x0, y0 + 1, k) + fx * (sample(x0 + 1, y0 + 1, k) - sample(x0, y0 + 1, k));
        out[k] = saturate(top + fy * (bottom - top));
      }
    }
  }
  return dst;
}

void jitter_hls(Image& img, int dh, int ds, int dl) {
  if (img.channels == 1) {
    for (auto& v : img.pixels) v = static_cast<uint8_t>(std::clamp(int(v) + dl, 0, 255));
    return;
  }
  const size_t n = size_t(img.width) * size_t(img.height);
  for (size_t i = 0; i < n; ++i) {
    uint8_t* px = img.pixels.data() + 3 * i;
    const float r = px[0] / 255.f, g = px[1] / 255.f, b = px[2] / 255.f;
    const float vmax = std::max({r, g, b}), vmin = std::min({r, g, b}), diff = vmax - vmin;
    float h = 0, s = 0;
    const float l = (vmax + vmin) / 2;
    if (diff > 0) {
      s = l < 0.5f ? diff / (vmax + vmin) : diff / (2 - vmax - vmin);
      h = vmax == r ? 60 * (g - b) / diff : vmax == g ? 120 + 60 * (b - r) / diff : 240 + 60 * (r - g) / diff;
      if (h < 0) h += 360;
    }
    // Quantised as OpenCV's 8-bit HLS image would be, then shifted and clamped.
    const int hq = std::clamp(int(std::lround(h / 2)) + dh, 0, 180);
    const int lq = std::clamp(int(std::lround(l * 255)) + dl, 0, 255);
    const int sq = std::clamp(int(std::lround(s * 255)) + ds, 0, 255);
    const float H = float(hq) * 2, L = float(lq) / 255, S = float(sq) / 255;
    const float q = L < 0.5f ? L * (1 + S) : L + S - L * S, p = 2 * L - q;
    auto channel = [&](float t) {
      t = std::fmod(t + 360.f, 360.f);
      if (t < 60) return p + (q - p) * t / 60;
      if (t < 180) return q;
      if (t < 240) return p + (q - p) * (240 - t) / 60;
      return p;
    };
    px[0] = saturate(channel(H + 120) * 255);
    px[1] = saturate(channel(H) * 255);
    px[2] = saturate(channel(H - 120) * 255);
  }
}

void augment_image(const Image& src, const AugmentParams& p, std::mt19937_64& rng, float* out) {
  FB_ASSERT(src.channels == p.channels);
  Image img = p.resize > 0 ? resize_short_edge(src, p.resize) : src;
  if (p.max_rotate_angle > 0 || p.max_shear_ratio > 0 ||
      (!p.random_resized_crop && (p.min_random_scale != 1 || p.max_random_scale != 1 || p.min_aspect_ratio != 1 ||
                                  p.max_aspect_ratio != 1)))
    img = affine_step(img, p, rng);
  if (p.pad > 0) img = pad_image(img, p.pad, static_cast<uint8_t>(p.fill_value));
  img = crop_step(img, p, rng);
  if (p.random_h != 0 || p.random_s != 0 || p.random_l != 0) {
    const int dh = int(uniform(rng, -float(p.random_h), float(p.random_h)));
    const int ds = int(uniform(rng, -float(p.random_s), float(p.random_s)));
    const int dl = int(uniform(rng, -float(p.random_l), float(p.random_l)));
    jitter_hls(img, dh, ds, dl);
  }
  const bool mirror = p.rand_mirror && std::bernoulli_distribution(0.5)(rng);
  const size_t plane = size_t(p.height) * size_t(p.width);
  const int c = p.channels;
  for (int y = 0; y < p.height; ++y) {
    const uint8_t* row = img.at(y, 0);
    float* dst = out + size_t(y) * size_t(p.width);
    for (int x = 0; x < p.width; ++x) {
      const uint8_t* px = row + size_t(mirror ? p.width - 1 - x : x) * size_t(c);
      for (int k = 0; k < c; ++k) dst[size_t(k) * plane + size_t(x)] = px[k];
    }
  }
  if (p.brightness > 0 || p.contrast > 0 || p.saturation > 0 || p.pca_noise > 0)
    color_jitter(out, c, plane, p, rng);
  for (int k = 0; k < c; ++k) {
    const float mean = p.mean[size_t(k)], inv_std = 1.f / p.std[size_t(k)];
    float* v = out + size_t(k) * plane;
    for (size_t i = 0; i < plane; ++i) v[i] = (v[i] - mean) * inv_std;
  }
}

}  // namespace fitbench
