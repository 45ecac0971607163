# page.html.j2 compiled by digest.render.precompiled (`make templates`): do not edit.
from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'page.html.j2'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    l_0_self = TemplateReference(context)
    l_0_language = resolve('language')
    l_0_title = resolve('title')
    l_0_newsletter = resolve('newsletter')
    l_0_colour = resolve('colour')
    l_0_home_url = resolve('home_url')
    l_0_logo_url = resolve('logo_url')
    l_0_notice = resolve('notice')
    l_0_error = resolve('error')
    l_0_privacy_url = resolve('privacy_url')
    pass
    yield '<!doctype html>\n<html lang="'
    yield escape(((undefined(name='language') if l_0_language is missing else l_0_language) or 'en'))
    yield '">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="color-scheme" content="light dark">\n<meta name="referrer" content="no-referrer">\n<meta name="robots" content="noindex">\n<title>'
    yield escape((undefined(name='title') if l_0_title is missing else l_0_title))
    yield ' · '
    yield escape((undefined(name='newsletter') if l_0_newsletter is missing else l_0_newsletter))
    yield '</title>\n<style>\n  body { font: 17px/1.5 Georgia, "Times New Roman", serif; margin: 0; background: #f6f4ef; color: #1d1d1b; }\n  .masthead { max-width: '
    yield escape(context.call(environment.getattr(l_0_self, 'width')))
    yield '; margin: 1.5rem auto 0; padding: 0 2rem; font: 700 1.35rem/1.2 Georgia, "Times New Roman", serif; letter-spacing: .01em; }\n  .masthead a { color: '
    yield escape(((undefined(name='colour') if l_0_colour is missing else l_0_colour) or '#b3121f'))
    yield '; text-decoration: none; }\n  main { max-width: '
    yield from context.blocks['width'][0](context)
    yield '; margin: .8rem auto 3rem; padding: 2rem; background: #fff; border-top: 4px solid '
    yield escape(((undefined(name='colour') if l_0_colour is missing else l_0_colour) or '#b3121f'))
    yield '; }\n  h1 { font-size: 1.6rem; margin-top: 0; }\n  h2 { font-size: 1.15rem; margin: 1.6rem 0 .4rem; }\n  label, legend { display: block; margin: 1rem 0 .3rem; font-family: Helvetica, Arial, sans-serif; font-size: .9rem; }\n  fieldset { border: 0; padding: 0; margin: 0; }\n  fieldset label { display: inline-block; margin: .2rem 1rem .2rem 0; }\n  input[type=email], input[type=text], select { width: 100%; padding: .6rem; font-size: 1rem; box-sizing: border-box; }\n  button { margin-top: 1.2rem; padding: .7rem 1.4rem; font-size: 1rem; background: '
    yield escape(((undefined(name='colour') if l_0_colour is missing else l_0_colour) or '#b3121f'))
    yield '; color: #fff; border: 0; cursor: pointer; }\n  button.quiet { background: transparent; color: inherit; border: 1px solid currentColor; }\n  button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }\n  .hp { position: absolute; left: -10000px; }\n  .note { font-family: Helvetica, Arial, sans-serif; font-size: .85rem; color: #555; }\n  .notice { padding: .6rem .8rem; background: #eef6ee; border-left: 4px solid #2f7d32; }\n  .error { padding: .6rem .8rem; background: #fbeeee; border-left: 4px solid #b3121f; }\n  @media (max-width: 40rem) { main { padding: 1.2rem; margin-top: .4rem; } .masthead { padding: 0 1.2rem; } }\n  @media (prefers-color-scheme: dark) { .masthead a { color: #f29b9b; } body { background: #121212; color: #eee; } main { background: #1e1e1e; } .note { color: #aaa; } .notice, .error { background: #2a2a2a; } }\n'
    yield from context.blocks['style'][0](context)
    yield '\n</style>\n</head>\n<body>\n<header class="masthead" role="banner"><a href="'
    yield escape((undefined(name='home_url') if l_0_home_url is missing else l_0_home_url))
    yield '">'
    if (undefined(name='logo_url') if l_0_logo_url is missing else l_0_logo_url):
        pass
        yield '<img src="'
        yield escape((undefined(name='logo_url') if l_0_logo_url is missing else l_0_logo_url))
        yield '" alt="'
        yield escape((undefined(name='newsletter') if l_0_newsletter is missing else l_0_newsletter))
        yield '" height="36">'
    else:
        pass
        yield escape((undefined(name='newsletter') if l_0_newsletter is missing else l_0_newsletter))
    yield '</a></header>\n<main>\n<h1>'
    yield escape((undefined(name='title') if l_0_title is missing else l_0_title))
    yield '</h1>\n'
    if (undefined(name='notice') if l_0_notice is missing else l_0_notice):
        pass
        yield '<p class="notice" role="status">'
        yield escape((undefined(name='notice') if l_0_notice is missing else l_0_notice))
        yield '</p>'
    yield '\n'
    if (undefined(name='error') if l_0_error is missing else l_0_error):
        pass
        yield '<p class="error" role="alert">'
        yield escape((undefined(name='error') if l_0_error is missing else l_0_error))
        yield '</p>'
    yield '\n'
    yield from context.blocks['content'][0](context)
    yield '\n<p class="note">'
    yield escape((undefined(name='newsletter') if l_0_newsletter is missing else l_0_newsletter))
    if (undefined(name='privacy_url') if l_0_privacy_url is missing else l_0_privacy_url):
        pass
        yield ' · <a href="'
        yield escape((undefined(name='privacy_url') if l_0_privacy_url is missing else l_0_privacy_url))
        yield '">Privacy policy</a>'
    yield '</p>\n</main>\n</body>\n</html>'

def block_width(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass
    yield '34rem'

def block_style(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass

def block_content(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_paragraphs = resolve('paragraphs')
    l_0_links = resolve('links')
    l_0_form = resolve('form')
    pass
    yield '\n'
    for l_1_paragraph in (undefined(name='paragraphs') if l_0_paragraphs is missing else l_0_paragraphs):
        _loop_vars = {}
        pass
        yield '<p>'
        yield escape(l_1_paragraph)
        yield '</p>\n'
    l_1_paragraph = missing
    yield '\n'
    for l_1_link in ((undefined(name='links') if l_0_links is missing else l_0_links) or []):
        _loop_vars = {}
        pass
        yield '<p><a href="'
        yield escape(environment.getattr(l_1_link, 'href'))
        yield '">'
        yield escape(environment.getattr(l_1_link, 'text'))
        yield '</a></p>\n'
    l_1_link = missing
    yield '\n'
    if (undefined(name='form') if l_0_form is missing else l_0_form):
        pass
        yield '\n<form method="post" action="'
        yield escape(environment.getattr((undefined(name='form') if l_0_form is missing else l_0_form), 'action'))
        yield '">\n'
        for (l_1_name, l_1_value) in context.call(environment.getattr(environment.getattr((undefined(name='form') if l_0_form is missing else l_0_form), 'hidden'), 'items'), _block_vars=_block_vars):
            _loop_vars = {}
            pass
            yield '<input type="hidden" name="'
            yield escape(l_1_name)
            yield '" value="'
            yield escape(l_1_value)
            yield '">\n'
        l_1_name = l_1_value = missing
        yield '\n<button type="submit">'
        yield escape(environment.getattr((undefined(name='form') if l_0_form is missing else l_0_form), 'button'))
        yield '</button>\n</form>\n'
    yield '\n'

blocks = {'width': block_width, 'style': block_style, 'content': block_content}
debug_info = '2=22&9=24&12=28&13=30&14=32&21=36&30=38&34=40&36=53&37=55&38=61&39=67&52=69&14=77&30=87&39=96&40=108&42=116&44=126&45=129&46=131&48=141'

SOURCE_SHA256 = 'c52a5e650dac4d3e3a287152160476bba611552ce59fdb1c9c0d23138084c03d'
