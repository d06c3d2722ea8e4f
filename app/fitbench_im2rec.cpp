// fitbench-im2rec: MXNet's tools/im2rec.py command line. With --list it
// writes <prefix>.lst (or _train / _val / _test and chunk variants) from the
// images under root; without it, it packs every <prefix>*.lst it finds into
// .rec + .idx, re-encoding (or, with --pass-through, copying) each image.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fitbench/augment.h"
#include "fitbench/image_codec.h"
#include "fitbench/recordio.h"

namespace fs = std::filesystem;
using namespace fitbench;

namespace {

struct Options {
  std::string prefix, root;
  bool list = false;
  std::vector<std::string> exts{".jpeg", ".jpg", ".png"};
  int chunks = 1;
  double train_ratio = 1.0, test_ratio = 0.0;
  bool recursive = false;
  bool shuffle = true;
  bool pass_through = false;
  int resize = 0;
  bool center_crop = false;
  int quality = 95;
  int num_thread = 1;
  int color = 1;
  std::string encoding = ".jpg";
  bool pack_label = false;
};

const char* kUsage =
    "usage: fitbench-im2rec [-h] [--list] [--exts EXTS [EXTS ...]] [--chunks CHUNKS]\n"
    "                       [--train-ratio TRAIN_RATIO] [--test-ratio TEST_RATIO] [--recursive]\n"
    "                       [--no-shuffle] [--pass-through] [--resize RESIZE] [--center-crop]\n"
    "                       [--quality QUALITY] [--num-thread NUM_THREAD] [--color {-1,0,1}]\n"
    "                       [--encoding {.jpg,.png}] [--pack-label]\n"
    "                       prefix root\n"
    "\n"
    "Create an image list or make a record database by reading from an image list\n"
    "(MXNet's im2rec.py).\n"
    "\n"
    "  prefix          prefix of input/output lst and rec files\n"
    "  root            path to folder containing images\n"
    "  --list          make a list of images (.lst) instead of a record database\n"
    "  --exts          list of acceptable image extensions (default .jpeg .jpg .png)\n"
    "  --chunks        number of chunks (default 1)\n"
    "  --train-ratio   ratio of images to use for training (default 1.0)\n"
    "  --test-ratio    ratio of images to use for testing (default 0)\n"
    "  --recursive     walk sub-folders; each folder holding images is a label (0, 1, ... in walk order)\n"
    "  --no-shuffle    keep the image order in the .lst (default: shuffled with a fixed seed)\n"
    "  --pass-through  copy the image files into the records without re-encoding\n"
    "  --resize        resize the shorter edge of each image to this size (default 0: keep)\n"
    "  --center-crop   crop the central square before resizing\n"
    "  --quality       JPEG quality 1-100, or PNG compression level 0-9 (default 95)\n"
    "  --num-thread    number of encoding threads (default 1)\n"
    "  --color         1: colour, 0: grayscale, -1: as stored (default 1)\n"
    "  --encoding      .jpg or .png (default .jpg)\n"
    "  --pack-label    store every label column of the .lst in the record header\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "fitbench-im2rec: error: " << message << "\n";
  std::exit(2);
}

int to_int(const std::string& arg, const std::string& text) {
  try {
    size_t used = 0;
    const int v = std::stoi(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  usage_error("argument " + arg + ": invalid int value: '" + text + "'");
}

double to_double(const std::string& arg, const std::string& text) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  usage_error("argument " + arg + ": invalid float value: '" + text + "'");
}

Options parse(int argc, char** argv) {
  Options o;
  std::vector<std::string> positional;
  bool exts_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i], value;
    const auto eq = a.find('=');
    const bool inline_value = a.starts_with("--") && eq != std::string::npos;
    if (inline_value) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    auto take = [&]() -> std::string {
      if (inline_value) return value;
      if (i + 1 >= argc) usage_error("argument " + a + ": expected one argument");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "--list") {
      o.list = true;
    } else if (a == "--exts") {
      if (!exts_given) o.exts.clear();
      exts_given = true;
      o.exts.push_back(take());
      while (i + 1 < argc && !std::string(argv[i + 1]).starts_with("--")) o.exts.push_back(argv[++i]);
    } else if (a == "--chunks") {
      o.chunks = to_int(a, take());
    } else if (a == "--train-ratio") {
      o.train_ratio = to_double(a, take());
    } else if (a == "--test-ratio") {
      o.test_ratio = to_double(a, take());
    } else if (a == "--recursive") {
      o.recursive = true;
    } else if (a == "--no-shuffle") {
      o.shuffle = false;
    } else if (a == "--shuffle") {
      o.shuffle = true;
    } else if (a == "--pass-through") {
      o.pass_through = true;
    } else if (a == "--resize") {
      o.resize = to_int(a, take());
    } else if (a == "--center-crop") {
      o.center_crop = true;
    } else if (a == "--quality") {
      o.quality = to_int(a, take());
    } else if (a == "--num-thread") {
      o.num_thread = to_int(a, take());
    } else if (a == "--color") {
      o.color = to_int(a, take());
      if (o.color < -1 || o.color > 1) usage_error("argument --color: invalid choice: " + std::to_string(o.color) + " (choose from -1, 0, 1)");
    } else if (a == "--encoding") {
      o.encoding = take();
      if (o.encoding != ".jpg" && o.encoding != ".png")
        usage_error("argument --encoding: invalid choice: '" + o.encoding + "' (choose from '.jpg', '.png')");
    } else if (a == "--pack-label") {
      o.pack_label = true;
    } else if (a.starts_with("-") && a.size() > 1) {
      usage_error("unrecognized arguments: " + a);
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) usage_error("the following arguments are required: prefix, root");
  o.prefix = positional[0];
  o.root = positional[1];
  if (o.chunks < 1) usage_error("argument --chunks: must be at least 1");
  if (o.num_thread < 1) usage_error("argument --num-thread: must be at least 1");
  for (auto& e : o.exts) std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return o;
}

struct Item {
  int64_t index;
  std::string path;  // relative to root
  std::vector<double> labels;
};

bool wanted(const Options& o, const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(o.exts.begin(), o.exts.end(), ext) != o.exts.end();
}

// os.walk order: a folder's files (sorted), then its sub-folders (sorted), depth first.
void walk(const Options& o, const fs::path& dir, std::map<std::string, int>& labels, std::vector<Item>& items) {
  std::vector<fs::path> files, dirs;
  for (const auto& e : fs::directory_iterator(dir)) (e.is_directory() ? dirs : files).push_back(e.path());
  std::sort(files.begin(), files.end());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& f : files) {
    if (!fs::is_regular_file(f) || !wanted(o, f)) continue;
    const std::string folder = fs::relative(dir, o.root).string();
    const auto [it, added] = labels.emplace(folder, static_cast<int>(labels.size()));
    if (added) std::cout << folder << ' ' << it->second << '\n';
    items.push_back({static_cast<int64_t>(items.size()), fs::relative(f, o.root).string(), {double(it->second)}});
  }
  for (const auto& d : dirs) walk(o, d, labels, items);
}

void write_list(const std::string& path, const std::vector<Item>& items) {
  std::ofstream out(path);
  char number[64];
  for (const auto& item : items) {
    out << item.index << '\t';
    for (double l : item.labels) {
      std::snprintf(number, sizeof number, "%f", l);
      out << number << '\t';
    }
    out << item.path << '\n';
  }
  if (!out) fail("cannot write the list ", path);
}

void make_list(const Options& o) {
  if (!fs::is_directory(o.root)) fail("root ", o.root, ": no such directory");
  std::vector<Item> items;
  if (o.recursive) {
    std::map<std::string, int> labels;
    walk(o, o.root, labels, items);
  } else {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(o.root))
      if (e.is_regular_file() && wanted(o, e.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      items.push_back({static_cast<int64_t>(items.size()), fs::relative(f, o.root).string(), {0.0}});
  }
  if (o.shuffle) {
    std::mt19937_64 rng(100);
    for (size_t n = items.size(); n > 1; --n) std::swap(items[n - 1], items[std::uniform_int_distribution<size_t>(0, n - 1)(rng)]);
  }
  const size_t n = items.size(), chunk_size = (n + size_t(o.chunks) - 1) / size_t(o.chunks);
  for (size_t c = 0; c < size_t(o.chunks); ++c) {
    const size_t begin = std::min(n, c * chunk_size), end = std::min(n, (c + 1) * chunk_size);
    const std::vector<Item> chunk(items.begin() + static_cast<std::ptrdiff_t>(begin), items.begin() + static_cast<std::ptrdiff_t>(end));
    const std::string stem = o.prefix + (o.chunks > 1 ? "_" + std::to_string(c) : "");
    const size_t sep = static_cast<size_t>(double(chunk_size) * o.train_ratio);
    const size_t sep_test = static_cast<size_t>(double(chunk_size) * o.test_ratio);
    auto part = [&](size_t from, size_t to) {
      from = std::min(from, chunk.size());
      to = std::min(to, chunk.size());
      return std::vector<Item>(chunk.begin() + static_cast<std::ptrdiff_t>(from), chunk.begin() + static_cast<std::ptrdiff_t>(std::max(from, to)));
    };
    if (o.train_ratio == 1.0) {
      write_list(stem + ".lst", chunk);
    } else {
      if (o.test_ratio > 0) write_list(stem + "_test.lst", part(0, sep_test));
      if (o.train_ratio + o.test_ratio < 1.0) write_list(stem + "_val.lst", part(sep_test + sep, chunk.size()));
      write_list(stem + "_train.lst", part(sep_test, sep_test + sep));
    }
  }
}

std::vector<Item> read_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("cannot open the list ", path);
  std::vector<Item> items;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, '\t');) fields.push_back(f);
    if (fields.size() < 3) fail(path, " line ", number, ": expected index<TAB>label...<TAB>path, got \"", line, "\"");
    Item item;
    try {
      item.index = std::stoll(fields.front());
      for (size_t i = 1; i + 1 < fields.size(); ++i) item.labels.push_back(std::stod(fields[i]));
    } catch (const std::exception&) {
      fail(path, " line ", number, ": the index and labels must be numbers, got \"", line, "\"");
    }
    item.path = fields.back();
    items.push_back(std::move(item));
  }
  return items;
}

// One record's bytes, or empty (with a message) when the image cannot be read.
std::string encode_item(const Options& o, const Item& item) {
  ImageRecordHeader header;
  header.id = static_cast<uint64_t>(item.index);
  if (item.labels.size() > 1 && o.pack_label)
    for (double l : item.labels) header.labels.push_back(static_cast<float>(l));
  else
    header.label = static_cast<float>(item.labels.front());
  const std::string full = (fs::path(o.root) / item.path).string();
  if (o.pass_through) {
    std::ifstream in(full, std::ios::binary);
    if (!in) fail("cannot read the image ", full);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return pack_image_record(header, bytes);
  }
  Image img = read_image_file(full, o.color == 1 ? 3 : o.color == 0 ? 1 : 0);
  if (o.center_crop) {
    const int side = std::min(img.width, img.height);
    img = crop_image(img, (img.width - side) / 2, (img.height - side) / 2, side, side);
  }
  if (o.resize > 0) img = resize_short_edge(img, o.resize);
  const std::string encoded =
      o.encoding == ".png" ? encode_png(img, std::clamp(o.quality, 0, 9)) : encode_jpeg(img, std::clamp(o.quality, 1, 100));
  return pack_image_record(header, encoded);
}

void write_records(const Options& o, const std::string& list_path) {
  const fs::path stem = fs::path(list_path).replace_extension("");
  std::cout << "Creating .rec file from " << list_path << "\n";
  const std::vector<Item> items = read_list(list_path);
  RecordWriter writer(stem.string() + ".rec");
  std::vector<std::pair<uint64_t, uint64_t>> index;
  // Encoded in parallel a block at a time, written in list order.
  const size_t block = 256;
  std::vector<std::string> records(block), errors(block);
  for (size_t start = 0; start < items.size(); start += block) {
    const size_t n = std::min(block, items.size() - start);
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t j; (j = next.fetch_add(1)) < n;) {
        errors[j].clear();
        try {
          records[j] = encode_item(o, items[start + j]);
        } catch (const ImageDecodeError& e) {
          errors[j] = e.what();
        }
      }
    };
    std::vector<std::thread> threads;
    for (int t = 1; t < o.num_thread; ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    for (size_t j = 0; j < n; ++j) {
      if (!errors[j].empty()) {
        std::cout << "skipping an unreadable image: " << errors[j] << "\n";
        continue;
      }
      index.emplace_back(static_cast<uint64_t>(items[start + j].index), writer.write(records[j]));
    }
    if ((start / block) % 4 == 3) std::cout << "time: processed " << start + n << " images\n";
  }
  writer.close();
  write_record_index(stem.string() + ".idx", index);
}

void make_records(const Options& o) {
  const fs::path prefix(o.prefix);
  const fs::path dir = fs::is_directory(prefix) ? prefix : (prefix.has_parent_path() ? prefix.parent_path() : fs::path("."));
  std::vector<std::string> lists;
  for (const auto& e : fs::directory_iterator(dir)) {
    // im2rec.py matches the prefix against the path joined to the directory.
    const std::string path = (dir / e.path().filename()).string();
    const std::string against = prefix.has_parent_path() || fs::is_directory(prefix) ? path : e.path().filename().string();
    if (e.is_regular_file() && against.starts_with(o.prefix) && path.ends_with(".lst")) lists.push_back(path);
  }
  std::sort(lists.begin(), lists.end());
  if (lists.empty()) std::cout << "Did not find and list file with prefix " << o.prefix << "\n";
  for (const auto& l : lists) write_records(o, l);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  try {
    if (o.list)
      make_list(o);
    else
      make_records(o);
  } catch (const Error& e) {
    std::cerr << "fitbench-im2rec: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
