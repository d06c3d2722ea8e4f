// MisclassifiedGrid: the samples of one confusion-matrix cell as a grid of
// thumbnails, each captioned with its index in the validation data. The
// images are the network inputs evaluate() kept (normalised floats); each is
// stretched back to 0..255 on its own, so any --rgb-mean / --rgb-std shows.
#pragma once

#include <QImage>
#include <QWidget>

#include <cstdint>
#include <vector>

#include "fitbench/tensor.h"

class QLabel;
class QListWidget;

class MisclassifiedGrid : public QWidget {
  Q_OBJECT

 public:
  explicit MisclassifiedGrid(QWidget* parent = nullptr);

  // `indices` are every sample of the cell; `images` the inputs of the first
  // of them (as many as were kept). `title` names the cell.
  void setCell(const QString& title, const std::vector<int64_t>& indices, const std::vector<fitbench::Tensor>& images);
  // No cell: `message` says why (e.g. a diagonal cell was clicked).
  void showMessage(const QString& message);

  QString titleText() const;
  // The sample index of each thumbnail shown, in order.
  QList<qint64> shownIndices() const { return m_shown; }
  QListWidget* listWidget() const { return m_list; }

  // A (C, H, W) float32 input as an image: 1 channel gray, 3 RGB; values
  // mapped linearly from their minimum..maximum to 0..255.
  static QImage toImage(const fitbench::Tensor& input);

 private:
  QLabel* m_title = nullptr;
  QListWidget* m_list = nullptr;
  QList<qint64> m_shown;
};
