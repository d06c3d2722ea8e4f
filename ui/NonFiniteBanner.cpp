#include "NonFiniteBanner.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include "ElidedLabel.h"

NonFiniteBanner::NonFiniteBanner(QWidget* parent) : QFrame(parent) {
  setObjectName(QStringLiteral("nonFiniteBanner"));
  setFrameShape(QFrame::StyledPanel);
  setAutoFillBackground(true);
  // A warning colour that reads in light and dark palettes alike.
  QPalette warning = palette();
  warning.setColor(QPalette::Window, QColor(0xfd, 0xe6, 0xb8));
  warning.setColor(QPalette::WindowText, QColor(0x3a, 0x2a, 0x00));
  setPalette(warning);

  auto* title = new QLabel(tr("<b>Training paused: the run diverged.</b>"), this);
  m_message = new ElidedLabel(this);
  m_message->setObjectName(QStringLiteral("nonFiniteMessage"));
  m_rate = new QDoubleSpinBox(this);
  m_rate->setObjectName(QStringLiteral("nonFiniteRate"));
  m_rate->setDecimals(8);
  m_rate->setRange(1e-8, 1e6);
  m_rate->setToolTip(tr("The learning rate of the updates after the resume"));
  m_resume = new QPushButton(tr("Resume with this rate"), this);
  m_resume->setObjectName(QStringLiteral("nonFiniteResume"));
  m_resume->setToolTip(tr("Go back to the weights at the start of the epoch, drop the diverged batch and go on"));
  m_stop = new QPushButton(tr("Stop"), this);
  m_stop->setObjectName(QStringLiteral("nonFiniteStop"));
  m_stop->setToolTip(tr("End the run; the last checkpoint written stays the last good one"));

  auto* actions = new QHBoxLayout;
  actions->addWidget(new QLabel(tr("Learning rate:"), this));
  actions->addWidget(m_rate);
  actions->addWidget(m_resume);
  actions->addWidget(m_stop);
  actions->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(title);
  layout->addWidget(m_message);
  layout->addLayout(actions);

  connect(m_resume, &QPushButton::clicked, this, [this] {
    hide();
    emit resumeRequested(m_rate->value());
  });
  connect(m_stop, &QPushButton::clicked, this, [this] {
    hide();
    emit stopRequested();
  });
  hide();
}

void NonFiniteBanner::showFor(const fitbench::NonFiniteEvent& event, double currentRate) {
  m_message->setText(QString::fromStdString(event.message));
  m_rate->setValue(currentRate / 10);
  show();
  m_resume->setFocus();
}

QString NonFiniteBanner::message() const { return m_message->text(); }

double NonFiniteBanner::proposedRate() const { return m_rate->value(); }
