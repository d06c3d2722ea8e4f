// MonitorModel: the parameter monitor's table, fed with the core's monitor
// snapshots (--monitor N). One row per monitored array that is not a gradient
// (layer outputs, inputs, parameters, aux states), in the order the core first
// reported them (forward order), filtered by a regular expression on the name.
//
// Columns: name, RMS (MXNet's Monitor stat), gradient RMS and update/weight
// ratio (learnable parameters only), min, max and a NaN/Inf flag, all from the
// latest snapshot. The model also keeps every snapshot's RMS, gradient RMS and
// ratio per row, the history MonitorHeatmap draws.
#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QRegularExpression>
#include <QString>

#include <optional>
#include <vector>

#include "fitbench/observer.h"

class MonitorModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    NameColumn,
    RmsColumn,
    GradRmsColumn,
    UpdateRatioColumn,
    MinColumn,
    MaxColumn,
    FiniteColumn,
    ColumnCount
  };
  // The unformatted value of a cell (double, or bool for the flag); empty
  // where the row has no such value. Sorting uses it.
  static constexpr int RawRole = Qt::UserRole;

  explicit MonitorModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  int columnCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // Adds one snapshot: new names become rows, the others take its values.
  void addSnapshot(const fitbench::MonitorSnapshot& snapshot);
  // Forgets every row and snapshot (a new run).
  void clear();

  // Shows only the rows whose name matches `pattern` (a QRegularExpression,
  // unanchored; empty shows all). Returns false and keeps the current
  // pattern when it is not a valid expression.
  bool setPattern(const QString& pattern);
  QString pattern() const { return m_pattern.pattern(); }

  QString nameAt(int row) const;
  // The row of `name`, -1 when it is not shown.
  int rowOf(const QString& name) const;
  // The latest stat of a row and of its gradient (none for arrays that have
  // no gradient).
  const fitbench::MonitorStat& statAt(int row) const;
  std::optional<fitbench::MonitorStat> gradStatAt(int row) const;

  // The snapshots so far and the step (1-based batch count) of each.
  int sampleCount() const { return static_cast<int>(m_steps.size()); }
  qint64 stepAt(int sample) const { return m_steps.at(static_cast<size_t>(sample)); }
  // A row's value of RmsColumn, GradRmsColumn or UpdateRatioColumn in one
  // snapshot; negative when that snapshot had no such value for the row
  // (every present value is >= 0, or NaN / Inf).
  double historyValue(int row, int sample, Column column) const;

 private:
  struct Entry {
    fitbench::MonitorStat stat;
    std::optional<fitbench::MonitorStat> grad;
    std::vector<float> rms, gradRms, ratio;  // one per snapshot; -1: absent
  };

  const Entry& entryAt(int row) const {
    return m_entries[static_cast<size_t>(m_visible[static_cast<size_t>(row)])];
  }
  bool matches(const std::string& name) const;

  std::vector<Entry> m_entries;  // every name seen, in first-seen order
  QHash<QString, int> m_index;   // name -> index in m_entries
  std::vector<int> m_visible;    // indices in m_entries of the rows, ascending
  std::vector<qint64> m_steps;
  QRegularExpression m_pattern;
};
