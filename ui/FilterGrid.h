// FilterGrid: the filters of a convolution weight as an image grid, from the
// bounded copy in a MonitorStat (values_shape (filters, channels, kh, kw)):
// each filter a strip of tiles, one per input channel, each tile kh x kw
// pixels; the strips wrap into columns so the grid is roughly square. Gray,
// scaled per filter so that 0 is mid gray and the filter's largest |value| is
// black (negative) or white (positive).
#pragma once

#include <QImage>
#include <QString>
#include <QWidget>

#include "fitbench/observer.h"

class FilterGrid : public QWidget {
  Q_OBJECT

 public:
  explicit FilterGrid(QWidget* parent = nullptr);

  // Shows the filters of `stat`; false (and a message saying why) when the
  // stat carries none (it is not a 4-D weight).
  bool setStat(const fitbench::MonitorStat& stat);
  void clear(const QString& message);

  // The grid at one pixel per weight, tiles separated by one background pixel;
  // null when there are no filters.
  const QImage& image() const { return m_image; }
  QString caption() const { return m_caption; }

  QSize sizeHint() const override { return {320, 320}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QImage m_image;
  QString m_caption;
};
