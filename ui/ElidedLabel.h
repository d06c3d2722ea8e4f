// ElidedLabel: a line of text whose length depends on the run (a status, an
// error, a path). It never asks for the width of its text, so a long text
// cannot widen the window: each line of the text ("\n" separates them) is
// cut with "…" to the width the label gets, and while any line is cut the
// whole text is the tooltip. The context menu copies the whole text.
#pragma once

#include <QFrame>
#include <QString>
#include <QStringList>

class ElidedLabel : public QFrame {
  Q_OBJECT

 public:
  explicit ElidedLabel(QWidget* parent = nullptr);
  explicit ElidedLabel(const QString& text, QWidget* parent = nullptr);

  QString text() const { return m_text; }
  void setText(const QString& text);
  void clear() { setText(QString()); }
  // Where lines are cut; Qt::ElideRight unless set.
  void setElideMode(Qt::TextElideMode mode);
  // True while a line does not fit and shows "…".
  bool isElided() const { return m_elided; }

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  QSize sizeForLines(int width) const;
  void elide();

  QString m_text;
  QStringList m_shown;  // the lines as drawn
  Qt::TextElideMode m_mode = Qt::ElideRight;
  bool m_elided = false;
};
