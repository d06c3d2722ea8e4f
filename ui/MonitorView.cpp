// MonitorView: table, heatmap, histogram and filter grid of the parameter
// monitor; see MonitorView.h.
#include "MonitorView.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "FilterGrid.h"
#include "MonitorHeatmap.h"
#include "MonitorModel.h"
#include "ParameterHistogram.h"

MonitorView::MonitorView(QWidget* parent)
    : QWidget(parent),
      m_model(new MonitorModel(this)),
      m_proxy(new QSortFilterProxyModel(this)),
      m_table(new QTableView(this)),
      m_pattern(new QLineEdit(this)),
      m_metric(new QComboBox(this)),
      m_status(new QLabel(this)),
      m_heatmap(new MonitorHeatmap(this)),
      m_histogram(new ParameterHistogram(this)),
      m_filters(new FilterGrid(this)) {
  m_proxy->setSourceModel(m_model);
  m_proxy->setSortRole(MonitorModel::RawRole);
  m_table->setModel(m_proxy);
  m_table->setSortingEnabled(true);
  m_table->sortByColumn(-1, Qt::AscendingOrder);  // the core's order until a header is clicked
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setSectionResizeMode(MonitorModel::NameColumn, QHeaderView::Stretch);
  m_table->setObjectName(QStringLiteral("monitorTable"));

  m_pattern->setObjectName(QStringLiteral("monitorPattern"));
  m_pattern->setPlaceholderText(tr("name pattern (regular expression), e.g. _weight$"));
  m_pattern->setClearButtonEnabled(true);
  m_metric->addItem(tr("RMS"), MonitorModel::RmsColumn);
  m_metric->addItem(tr("Gradient RMS"), MonitorModel::GradRmsColumn);
  m_metric->addItem(tr("Update/weight ratio"), MonitorModel::UpdateRatioColumn);
  m_heatmap->setModel(m_model);
  m_status->setWordWrap(true);

  auto* filterRow = new QHBoxLayout;
  filterRow->addWidget(new QLabel(tr("Show"), this));
  filterRow->addWidget(m_pattern, 1);
  filterRow->addWidget(new QLabel(tr("Heatmap"), this));
  filterRow->addWidget(m_metric);

  auto* details = new QSplitter(Qt::Vertical, this);
  details->addWidget(m_histogram);
  details->addWidget(m_filters);
  auto* left = new QSplitter(Qt::Vertical, this);
  left->addWidget(m_table);
  left->addWidget(m_heatmap);
  auto* main = new QSplitter(Qt::Horizontal, this);
  main->addWidget(left);
  main->addWidget(details);
  main->setStretchFactor(0, 3);
  main->setStretchFactor(1, 2);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(filterRow);
  layout->addWidget(m_status);
  layout->addWidget(main, 1);

  connect(m_pattern, &QLineEdit::textChanged, this, &MonitorView::setPattern);
  connect(m_metric, &QComboBox::currentIndexChanged, this, [this] {
    m_heatmap->setMetric(static_cast<MonitorModel::Column>(m_metric->currentData().toInt()));
  });
  connect(m_heatmap, &MonitorHeatmap::rowClicked, this,
          [this](int row) { selectParameter(m_model->nameAt(row)); });
  connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          &MonitorView::showSelection);
  // New values of the selected row refresh its histogram and filters.
  connect(m_model, &QAbstractItemModel::dataChanged, this, &MonitorView::showSelection);
  connect(m_model, &QAbstractItemModel::modelReset, this, &MonitorView::showSelection);
  updateStatus();
}

void MonitorView::addSnapshot(const fitbench::MonitorSnapshot& snapshot) {
  m_model->addSnapshot(snapshot);
  updateStatus();
  // The first snapshot of a run selects its first convolution weight (else its
  // first row), so the histogram and the filter grid show something at once.
  if (m_model->sampleCount() != 1 || !selectedParameter().isEmpty() || m_model->rowCount() == 0) return;
  QString first = m_model->nameAt(0);
  for (int row = 0; row < m_model->rowCount(); ++row)
    if (m_model->statAt(row).values_shape.size() == 4) {
      first = m_model->nameAt(row);
      break;
    }
  selectParameter(first);
}

void MonitorView::clear() {
  m_model->clear();
  updateStatus();
}

void MonitorView::setPattern(const QString& pattern) {
  const QString selected = selectedParameter();
  const bool valid = m_model->setPattern(pattern);
  m_pattern->setProperty("invalid", !valid);
  m_pattern->setStyleSheet(valid ? QString() : QStringLiteral("QLineEdit { border: 1px solid red; }"));
  m_pattern->setToolTip(valid ? QString() : tr("not a valid regular expression; the previous filter stays"));
  if (m_pattern->text() != pattern) m_pattern->setText(pattern);
  if (!selected.isEmpty()) selectParameter(selected);
  updateStatus();
}

bool MonitorView::selectParameter(const QString& name) {
  const int row = m_model->rowOf(name);
  if (row < 0) return false;
  const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
  m_table->selectionModel()->setCurrentIndex(index,
                                             QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  m_table->scrollTo(index);
  return true;
}

QString MonitorView::selectedParameter() const {
  const QModelIndex current = m_table->selectionModel()->currentIndex();
  if (!current.isValid()) return {};
  return m_model->nameAt(m_proxy->mapToSource(current).row());
}

void MonitorView::showSelection() {
  const QString name = selectedParameter();
  const int row = name.isEmpty() ? -1 : m_model->rowOf(name);
  if (row < 0) {
    m_histogram->clear(tr("Select a row to see its histogram"));
    m_filters->clear(tr("Select a convolution weight to see its filters"));
    return;
  }
  const fitbench::MonitorStat& stat = m_model->statAt(row);
  m_histogram->setStat(stat, tr("%1, step %2").arg(name).arg(m_model->stepAt(m_model->sampleCount() - 1)));
  m_filters->setStat(stat);
}

void MonitorView::updateStatus() {
  if (m_model->sampleCount() == 0) {
    m_status->setText(
        tr("No monitor snapshots. Set --monitor N (Checkpoints & Monitor) to sample the network's "
           "arrays every N batches."));
    return;
  }
  m_status->setText(tr("%1 arrays shown; %2 snapshots, the last at step %3")
                        .arg(m_model->rowCount())
                        .arg(m_model->sampleCount())
                        .arg(m_model->stepAt(m_model->sampleCount() - 1)));
}
