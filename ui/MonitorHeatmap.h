// MonitorHeatmap: a layer x time picture of a MonitorModel: one row per model
// row, one column per snapshot (binned when there are more snapshots than
// pixels), colored by log10 of RMS, gradient RMS or update/weight ratio on a
// scale that spans the values shown. Gaps (no value) stay blank; NaN and Inf
// are red. Clicking a row emits rowClicked().
#pragma once

#include <QColor>
#include <QImage>
#include <QWidget>

#include "MonitorModel.h"

class MonitorHeatmap : public QWidget {
  Q_OBJECT

 public:
  explicit MonitorHeatmap(QWidget* parent = nullptr);

  void setModel(MonitorModel* model);
  // RmsColumn, GradRmsColumn or UpdateRatioColumn.
  void setMetric(MonitorModel::Column metric);
  MonitorModel::Column metric() const { return m_metric; }

  // The picture: width min(snapshots, maxColumns), height the model's rows.
  // A column covering several snapshots shows the mean of their log10 values.
  QImage render(int maxColumns) const;
  // The log10 range render() colors over; empty when nothing has a value.
  std::pair<double, double> logRange() const { return m_logRange; }

  // The color of t in [0, 1] (low: dark blue, high: yellow) and of NaN/Inf.
  static QColor colorAt(double t);
  static QColor nonFiniteColor() { return QColor(220, 30, 30); }

  QSize sizeHint() const override { return {480, 220}; }

 signals:
  void rowClicked(int row);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  QRect plotRect() const;
  int labelWidth() const;

  MonitorModel* m_model = nullptr;
  MonitorModel::Column m_metric = MonitorModel::RmsColumn;
  mutable std::pair<double, double> m_logRange{0.0, 0.0};
};
