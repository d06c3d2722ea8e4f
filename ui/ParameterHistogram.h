// ParameterHistogram: the value histogram of one monitored array (the bins of
// its MonitorStat over [min, max]) as bars, with the range below them.
#pragma once

#include <QString>
#include <QWidget>

#include <vector>

#include "fitbench/observer.h"

class ParameterHistogram : public QWidget {
  Q_OBJECT

 public:
  explicit ParameterHistogram(QWidget* parent = nullptr);

  // Shows `stat`'s histogram under `title` ("fc1_weight, step 40").
  void setStat(const fitbench::MonitorStat& stat, const QString& title);
  // Shows `message` instead of bars.
  void clear(const QString& message);

  const std::vector<int64_t>& counts() const { return m_counts; }
  double rangeMin() const { return m_min; }
  double rangeMax() const { return m_max; }
  QString title() const { return m_title; }
  // The rectangle bin `bin`'s bar fills in the widget now (the tallest bin
  // reaches the top of the plot; an empty bin has no height).
  QRectF barRect(int bin) const;

  QSize sizeHint() const override { return {320, 180}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  // The title, and whether NaN/Inf were left out.
  QString heading() const;
  QRectF plotRect() const;

  std::vector<int64_t> m_counts;
  double m_min = 0.0, m_max = 0.0;
  bool m_finite = true;
  QString m_title;
};
