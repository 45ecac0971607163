# subscribe.html.j2 compiled by digest.render.precompiled (`make templates`): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'subscribe.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    pass
    parent_template = environment.get_template('page.html.j2', 'subscribe.html.j2')
    for name, parent_block in parent_template.blocks.items():
        context.blocks.setdefault(name, []).append(parent_block)
    yield from parent_template.root_render_func(context)

def block_content(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_send_day = resolve('send_day')
    l_0_source = resolve('source')
    l_0_policy_version = resolve('policy_version')
    l_0_typed = resolve('typed')
    l_0_sections = resolve('sections')
    l_0_privacy_url = resolve('privacy_url')
    pass
    yield '\n<p>A hand-picked selection of news, features, analysis and more, in your mailbox every '
    yield escape((undefined(name='send_day') if l_0_send_day is missing else l_0_send_day))
    yield '.</p>\n<form method="post" action="subscriptions">\n<input type="hidden" name="source" value="'
    yield escape((undefined(name='source') if l_0_source is missing else l_0_source))
    yield '">\n<input type="hidden" name="policy_version" value="'
    yield escape((undefined(name='policy_version') if l_0_policy_version is missing else l_0_policy_version))
    yield '">\n<label for="email">Email address</label>\n<input id="email" name="email" type="email" required autocomplete="email" maxlength="320" value="'
    yield escape((environment.getattr((undefined(name='typed') if l_0_typed is missing else l_0_typed), 'email') or ''))
    yield '">\n<label for="name">Name (optional)</label>\n<input id="name" name="name" type="text" maxlength="200" autocomplete="name" value="'
    yield escape((environment.getattr((undefined(name='typed') if l_0_typed is missing else l_0_typed), 'name') or ''))
    yield '">\n<fieldset>\n<legend>Sections (leave all unticked for everything)</legend>\n'
    for (l_1_key, l_1_label) in (undefined(name='sections') if l_0_sections is missing else l_0_sections):
        l_1_chosen = resolve('chosen')
        _loop_vars = {}
        pass
        yield '<label><input type="checkbox" name="sections" value="'
        yield escape(l_1_key)
        yield '"'
        if (l_1_key in (undefined(name='chosen') if l_1_chosen is missing else l_1_chosen)):
            pass
            yield ' checked'
        yield '> '
        yield escape(l_1_label)
        yield '</label>\n'
    l_1_key = l_1_label = l_1_chosen = missing
    yield '\n</fieldset>\n<label for="timezone">Your time zone (optional: start typing a city, for instance Europe/London)</label>\n<input id="timezone" name="timezone" type="text" maxlength="64" list="zones" autocomplete="off" value="'
    yield escape((environment.getattr((undefined(name='typed') if l_0_typed is missing else l_0_typed), 'timezone') or ''))
    yield '">\n'
    template = environment.get_template('zones.html.j2', 'subscribe.html.j2')
    gen = template.root_render_func(template.new_context(context.get_all(), True, {}))
    try:
        for event in gen:
            yield event
    finally: gen.close()
    yield '\n<div class="hp" aria-hidden="true"><label for="website">Leave this empty</label><input id="website" name="website" type="text" tabindex="-1" autocomplete="off"></div>\n<label><input type="checkbox" name="consent" value="true" required> I agree to the <a href="'
    yield escape((undefined(name='privacy_url') if l_0_privacy_url is missing else l_0_privacy_url))
    yield '">privacy policy</a> and want the newsletter by email.</label>\n<button type="submit">Subscribe</button>\n</form>\n<p class="note">We will send you a link to confirm. No confirmation, no newsletter.</p>\n'

blocks = {'content': block_content}
debug_info = '1=12&2=17&3=32&5=34&6=36&8=38&10=40&13=42&17=57&18=59&20=66'

SOURCE_SHA256 = '7b433a7ca15c5df3b36081fac0c0bad541338e60269bfcb0db99ed4139abc6f9'
