// MonitorView: the parameter monitor panel. It shows the snapshots the core
// takes every --monitor N batches (TrainerController::monitorSampled): a
// sortable table of every monitored array matching a name pattern (RMS,
// gradient RMS, update/weight ratio, min, max, NaN/Inf), a layer x time
// heatmap of one of those statistics, and for the selected row its value
// histogram and, for a convolution weight, its filters as an image grid.
#pragma once

#include <QWidget>

#include "fitbench/observer.h"

class FilterGrid;
class MonitorHeatmap;
class MonitorModel;
class ParameterHistogram;
class QComboBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

class MonitorView : public QWidget {
  Q_OBJECT

 public:
  explicit MonitorView(QWidget* parent = nullptr);

  // Feed each snapshot of a run; clear() before the next run.
  void addSnapshot(const fitbench::MonitorSnapshot& snapshot);
  void clear();

  // The name filter (a regular expression; an invalid one marks the field
  // and keeps the previous filter).
  void setPattern(const QString& pattern);
  // Selects the row of `name`; false when no row shows it.
  bool selectParameter(const QString& name);
  // The selected row's name, "" when none.
  QString selectedParameter() const;

  MonitorModel* model() const { return m_model; }
  MonitorHeatmap* heatmap() const { return m_heatmap; }
  ParameterHistogram* histogram() const { return m_histogram; }
  FilterGrid* filterGrid() const { return m_filters; }
  QTableView* table() const { return m_table; }
  QLineEdit* patternEdit() const { return m_pattern; }
  QComboBox* metricBox() const { return m_metric; }
  QLabel* statusLabel() const { return m_status; }

 private:
  void showSelection();
  void updateStatus();

  MonitorModel* m_model;
  QSortFilterProxyModel* m_proxy;
  QTableView* m_table;
  QLineEdit* m_pattern;
  QComboBox* m_metric;
  QLabel* m_status;
  MonitorHeatmap* m_heatmap;
  ParameterHistogram* m_histogram;
  FilterGrid* m_filters;
};
