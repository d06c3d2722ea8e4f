// A folder of images with one sub-folder per class (torchvision's
// ImageFolder layout): class k is the k-th sub-folder in name order, and
// every .jpg / .jpeg / .png below it is one of its samples.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "data/image_source.h"

namespace fitbench {
namespace {

bool is_image_file(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

class FolderSource final : public ImageSource {
 public:
  explicit FolderSource(const std::string& dir) : dir_(dir) {
    if (!std::filesystem::is_directory(dir)) fail(dir, ": no such directory of class sub-folders");
    std::vector<std::filesystem::path> classes;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.is_directory()) classes.push_back(e.path());
    std::sort(classes.begin(), classes.end());
    if (classes.empty()) fail(dir, ": no class sub-folders; put the images of class k in the k-th sub-folder");
    for (size_t k = 0; k < classes.size(); ++k) {
      std::vector<std::string> files;
      for (const auto& e : std::filesystem::recursive_directory_iterator(
               classes[k], std::filesystem::directory_options::follow_directory_symlink))
        if (e.is_regular_file() && is_image_file(e.path())) files.push_back(e.path().string());
      std::sort(files.begin(), files.end());
      for (auto& f : files) samples_.push_back({std::move(f), static_cast<float>(k)});
    }
    if (samples_.empty()) fail(dir, ": its class sub-folders hold no .jpg, .jpeg or .png files");
  }

  int64_t size() const override { return static_cast<int64_t>(samples_.size()); }
  std::string name() const override { return dir_; }
  std::string describe(int64_t i) const override { return samples_[static_cast<size_t>(i)].path; }

  Image load(int64_t i, int channels, int64_t max_pixels, float& label) const override {
    const Sample& s = samples_[static_cast<size_t>(i)];
    label = s.label;
    return read_image_file(s.path, channels, max_pixels);
  }

 private:
  struct Sample {
    std::string path;
    float label;
  };
  std::string dir_;
  std::vector<Sample> samples_;
};

}  // namespace

std::unique_ptr<DataIter> make_image_folder_iter(const std::string& dir, const ImageIterOptions& options) {
  return make_image_iter(std::make_shared<FolderSource>(dir), options);
}

}  // namespace fitbench
