// ConfusionMatrixModel: an evaluation's confusion matrix as a table, rows the
// true class and columns the predicted one, each cell the number of samples.
// Cells are shaded by their share of the row (the true class): the diagonal
// in green (correct), the rest in red (confusions), so the worst confusions
// stand out whatever the class sizes.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>

#include <cstdint>
#include <vector>

class ConfusionMatrixModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  explicit ConfusionMatrixModel(QObject* parent = nullptr);

  // `confusion[true][predicted]`, square; `labels` name the classes in the
  // headers ("3 Dress"), numbers where missing.
  void setMatrix(std::vector<std::vector<int64_t>> confusion, QStringList labels = {});
  void clear();

  int64_t count(int trueClass, int predictedClass) const;
  int64_t rowTotal(int trueClass) const;
  QString classLabel(int c) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  std::vector<std::vector<int64_t>> m_confusion;
  std::vector<int64_t> m_rowTotals;
  QStringList m_labels;
};
