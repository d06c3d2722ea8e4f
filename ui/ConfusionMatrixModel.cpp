// ConfusionMatrixModel: counts, shading and tooltips of the confusion matrix.
#include "ConfusionMatrixModel.h"

#include <QColor>
#include <QtGlobal>

#include <numeric>
#include <utility>

namespace {

// White blended towards `full` by `amount` (0..1).
QColor shade(const QColor& full, double amount) {
  const auto mix = [amount](int c) { return qRound(255 + (c - 255) * amount); };
  return QColor(mix(full.red()), mix(full.green()), mix(full.blue()));
}

}  // namespace

ConfusionMatrixModel::ConfusionMatrixModel(QObject* parent) : QAbstractTableModel(parent) {}

void ConfusionMatrixModel::setMatrix(std::vector<std::vector<int64_t>> confusion, QStringList labels) {
  beginResetModel();
  m_confusion = std::move(confusion);
  m_labels = std::move(labels);
  m_rowTotals.clear();
  for (const auto& row : m_confusion) {
    Q_ASSERT(row.size() == m_confusion.size());
    m_rowTotals.push_back(std::accumulate(row.begin(), row.end(), int64_t{0}));
  }
  endResetModel();
}

void ConfusionMatrixModel::clear() { setMatrix({}); }

int64_t ConfusionMatrixModel::count(int trueClass, int predictedClass) const {
  return m_confusion[static_cast<size_t>(trueClass)][static_cast<size_t>(predictedClass)];
}

int64_t ConfusionMatrixModel::rowTotal(int trueClass) const { return m_rowTotals[static_cast<size_t>(trueClass)]; }

QString ConfusionMatrixModel::classLabel(int c) const {
  return c < m_labels.size() && !m_labels.at(c).isEmpty() ? m_labels.at(c) : QString::number(c);
}

int ConfusionMatrixModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_confusion.size());
}

int ConfusionMatrixModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_confusion.size());
}

QVariant ConfusionMatrixModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const int t = index.row(), p = index.column();
  const int64_t n = count(t, p);
  const int64_t total = rowTotal(t);
  const double share = total > 0 ? double(n) / double(total) : 0.0;
  // A cell with any sample gets a visible tint, however small its share.
  const double intensity = n > 0 ? 0.12 + 0.88 * share : 0.0;
  switch (role) {
    case Qt::DisplayRole:
      return QVariant::fromValue<qlonglong>(n);
    case Qt::TextAlignmentRole:
      return QVariant::fromValue(Qt::Alignment(Qt::AlignCenter));
    case Qt::BackgroundRole:
      if (n == 0) return {};
      return shade(t == p ? QColor(30, 140, 60) : QColor(200, 40, 40), intensity);
    case Qt::ForegroundRole:
      // Dark cells get light text.
      return intensity > 0.6 ? QColor(Qt::white) : QColor(Qt::black);
    case Qt::ToolTipRole:
      return tr("True %1, predicted %2: %n sample(s), %3% of the class", nullptr, static_cast<int>(n))
          .arg(classLabel(t), classLabel(p))
          .arg(share * 100.0, 0, 'f', 1);
    default:
      return {};
  }
}

QVariant ConfusionMatrixModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (section < 0 || section >= static_cast<int>(m_confusion.size())) return {};
  if (role == Qt::DisplayRole) return classLabel(section);
  if (role == Qt::ToolTipRole)
    return orientation == Qt::Vertical ? tr("True class %1").arg(classLabel(section))
                                       : tr("Predicted class %1").arg(classLabel(section));
  return {};
}
