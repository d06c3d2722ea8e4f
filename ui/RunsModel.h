// RunsModel: one row per run of a workspace, from WorkspaceWatcher's value
// snapshots. Columns: name, status, network, the arguments changed from the
// defaults, epochs, best validation accuracy and its epoch, last loss,
// samples/s, wall time, parent (for a branch or resume), tags and start time.
// SortRole gives numbers for the numeric columns, so a proxy sorts them as
// numbers; a run without a value sorts below every run with one.
#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QVector>

#include "fitbench/run_workspace.h"

class RunsModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    NameColumn,
    StatusColumn,
    NetworkColumn,
    ChangedColumn,
    EpochsColumn,
    BestAccuracyColumn,
    BestEpochColumn,
    LastLossColumn,
    SpeedColumn,
    WallTimeColumn,
    ParentColumn,
    TagsColumn,
    StartedColumn,
    ColumnCount
  };
  static constexpr int SortRole = Qt::UserRole + 1;
  static constexpr int DirRole = Qt::UserRole + 2;

  explicit RunsModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  // Adds the runs it does not have, replaces those it has.
  void update(const QVector<fitbench::RunSummary>& runs);
  void remove(const QStringList& dirs);
  void clear();

  const fitbench::RunSummary* run(int row) const;
  const fitbench::RunSummary* find(const QString& dir) const;
  std::vector<const fitbench::RunSummary*> runs() const;

  static QString statusText(fitbench::RunStatus status);
  // "lr=0.05 batch-size=128": the arguments changed from the defaults, but
  // for the network and the data paths.
  static QString changedArgumentsText(const fitbench::FitArgs& args);

 private:
  QVariant display(const fitbench::RunSummary& run, int column) const;
  QVariant sortKey(const fitbench::RunSummary& run, int column) const;
  void reindex();

  QVector<fitbench::RunSummary> m_runs;
  QHash<QString, int> m_rowOf;  // by directory
};
