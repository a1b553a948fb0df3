from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.messaging.operations import MAX_LENGTH


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(message=_l("Write a message first.")),
                    Length(max=MAX_LENGTH, message=_l("Keep messages under 5000 characters."))],
    )
