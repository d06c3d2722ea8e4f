// CheckpointModel: the saved epochs of a model-prefix directory, one row per
// <prefix>-NNNN.params file (every prefix found in the directory, grouped by
// prefix, then by epoch).
//
// Columns: prefix, epoch, saved time (the file's mtime), size, train and
// validation accuracy, and whether a .states file sits beside it. The
// accuracies come from the directory's metrics.jsonl: the epoch record with
// "epoch": E-1 describes file NNNN = E (fit() saves epoch E+1 at the end of
// epoch E); when a run was resumed in the same directory the last record of an
// epoch wins. Bad or partial lines are skipped. When config.json names a
// --model-prefix, metrics join only to that prefix (the run that wrote them).
//
// setDirectory() / refresh() scan on a worker thread (QtConcurrent); the
// model resets when the scan is done and emits loadingChanged() around it.
// refreshAccuracies() rereads only the accuracies, keeping rows and selection:
// fit() saves an epoch's checkpoint before it writes the epoch's record, so
// the window calls it when the epoch ends.
// message() says why the table is empty (no directory, missing directory, no
// checkpoints), "" when it has rows.
#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QFutureWatcher>
#include <QString>
#include <QVector>

#include <optional>

struct CheckpointEntry {
  QString prefix;      // full path prefix: "/runs/m/lenet"
  QString prefixName;  // its file name part: "lenet"
  int epoch = 0;
  QDateTime saved;
  qint64 size = 0;  // bytes of the .params file
  std::optional<double> trainAccuracy;
  std::optional<double> validationAccuracy;
  bool hasStates = false;

  QString paramsPath() const;
  QString statesPath() const;
  QString symbolPath() const;
};

struct CheckpointScan {
  QString directory;
  QVector<CheckpointEntry> entries;
  QString message;  // why `entries` is empty; "" otherwise
};

class CheckpointModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    PrefixColumn,
    EpochColumn,
    SavedColumn,
    SizeColumn,
    TrainColumn,
    ValidationColumn,
    StatesColumn,
    ColumnCount
  };
  // Qt::UserRole on any column: the raw value (epoch int, QDateTime, size,
  // accuracy double or invalid, states bool) for sorting and tests.
  static constexpr int RawRole = Qt::UserRole;

  explicit CheckpointModel(QObject* parent = nullptr);
  ~CheckpointModel() override;

  int rowCount(const QModelIndex& parent = QModelIndex()) const override;
  int columnCount(const QModelIndex& parent = QModelIndex()) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  // Starts scanning `directory` (off the UI thread); "" clears the model.
  void setDirectory(const QString& directory);
  QString directory() const { return m_directory; }
  // Scans the current directory again (after a checkpoint was written or deleted).
  void refresh();
  // Reads the listed checkpoints' accuracies again (off the UI thread) and
  // reports them through dataChanged().
  void refreshAccuracies();

  bool isLoading() const { return m_loading; }
  QString message() const { return m_message; }
  const CheckpointEntry& entry(int row) const { return m_entries.at(row); }
  // Epochs of `prefix` (full path prefix) currently listed.
  int epochCount(const QString& prefix) const;

  // The scan itself, synchronous: what the worker thread runs.
  static CheckpointScan scanDirectory(const QString& directory);

 signals:
  void loadingChanged(bool loading);
  // A scan finished and the rows are current.
  void loaded();

 private:
  void applyScan(quint64 generation, const CheckpointScan& scan);
  void setLoading(bool loading);

  QString m_directory;
  QVector<CheckpointEntry> m_entries;
  QString m_message;
  bool m_loading = false;
  quint64 m_generation = 0;  // drops the results of superseded scans
};
