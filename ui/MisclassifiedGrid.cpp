// MisclassifiedGrid: thumbnails of a confusion-matrix cell's samples.
#include "MisclassifiedGrid.h"

#include <QLabel>
#include <QListWidget>
#include <QPixmap>
#include <QVBoxLayout>

#include <algorithm>

namespace {

constexpr int kThumbnail = 72;  // pixels, the longer side

}  // namespace

MisclassifiedGrid::MisclassifiedGrid(QWidget* parent) : QWidget(parent) {
  m_title = new QLabel(this);
  m_title->setObjectName(QStringLiteral("misclassifiedTitle"));
  m_title->setWordWrap(true);
  m_list = new QListWidget(this);
  m_list->setObjectName(QStringLiteral("misclassifiedList"));
  m_list->setViewMode(QListView::IconMode);
  m_list->setIconSize(QSize(kThumbnail, kThumbnail));
  m_list->setResizeMode(QListView::Adjust);
  m_list->setMovement(QListView::Static);
  m_list->setSelectionMode(QAbstractItemView::NoSelection);
  m_list->setUniformItemSizes(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_title);
  layout->addWidget(m_list, 1);
  showMessage(tr("Click a cell off the diagonal to see the samples it holds."));
}

void MisclassifiedGrid::setCell(const QString& title, const std::vector<int64_t>& indices,
                                const std::vector<fitbench::Tensor>& images) {
  m_list->clear();
  m_shown.clear();
  const size_t shown = std::min(indices.size(), images.size());
  for (size_t i = 0; i < shown; ++i) {
    const QImage image = toImage(images[i]);
    // Small inputs (28x28) are enlarged without smoothing so their pixels stay sharp.
    const QPixmap pixmap = QPixmap::fromImage(image.scaled(kThumbnail, kThumbnail, Qt::KeepAspectRatio,
                                                           image.width() < kThumbnail ? Qt::FastTransformation
                                                                                      : Qt::SmoothTransformation));
    auto* item = new QListWidgetItem(QIcon(pixmap), QStringLiteral("#%1").arg(indices[i]), m_list);
    item->setToolTip(tr("Sample %1 of the validation data").arg(indices[i]));
    m_shown << indices[i];
  }
  QString text = tr("%1: %n sample(s)", nullptr, static_cast<int>(indices.size())).arg(title);
  if (shown < indices.size()) text += tr(", the first %1 shown (evaluation keeps a bounded number)").arg(shown);
  m_title->setText(text);
}

void MisclassifiedGrid::showMessage(const QString& message) {
  m_list->clear();
  m_shown.clear();
  m_title->setText(message);
}

QString MisclassifiedGrid::titleText() const { return m_title->text(); }

QImage MisclassifiedGrid::toImage(const fitbench::Tensor& input) {
  const auto& shape = input.shape();
  if (shape.ndim() != 3 || (shape[0] != 1 && shape[0] != 3)) return {};
  const int channels = static_cast<int>(shape[0]), height = static_cast<int>(shape[1]),
            width = static_cast<int>(shape[2]);
  const float* v = input.f32();
  const size_t plane = size_t(height) * size_t(width);
  const auto [lo, hi] = std::minmax_element(v, v + plane * size_t(channels));
  const float scale = *hi > *lo ? 255.f / (*hi - *lo) : 0.f;
  QImage image(width, height, channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  for (int y = 0; y < height; ++y) {
    uchar* row = image.scanLine(y);
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c) {
        const float value = v[size_t(c) * plane + size_t(y) * size_t(width) + size_t(x)];
        row[x * channels + c] = static_cast<uchar>(std::clamp((value - *lo) * scale, 0.f, 255.f) + 0.5f);
      }
  }
  return image;
}
